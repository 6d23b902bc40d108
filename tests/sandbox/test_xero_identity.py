"""Xero identity emulation: grants, client auth, expiry, rotation with grace, revocation, tenants."""

from __future__ import annotations

import base64
import hashlib
import json

import pytest

from component.clock import FakeClock
from tests.sandbox.conftest import REDIRECT, XeroHelper, basic

pytestmark = pytest.mark.anyio
API = "/api.xro/2.0/Invoices"


def _claims(jwt: str) -> dict[str, object]:
    payload = jwt.split(".")[1]
    data: dict[str, object] = json.loads(
        base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
    )
    return data


async def test_authorization_code_grant_gives_30_minute_bearer_and_refresh_token(
    xero: XeroHelper,
) -> None:
    tokens = await xero.login()
    assert tokens["token_type"] == "Bearer"
    assert tokens["expires_in"] == 1800
    assert tokens["refresh_token"]
    assert tokens["id_token"]
    claims = _claims(tokens["access_token"])
    assert int(str(claims["exp"])) - int(str(claims["nbf"])) == 1800
    assert xero.state.stats()["token_grants"] == {"authorization_code": 1}


async def test_authorize_redirects_with_code_state_and_scope(xero: XeroHelper) -> None:
    response = await xero.client.get(
        "/identity/connect/authorize",
        params={
            "response_type": "code",
            "client_id": xero.state.config.xero.client_id,
            "redirect_uri": REDIRECT,
            "scope": "openid accounting.invoices",
            "state": "abc",
        },
    )
    assert response.status_code == 302
    location = response.headers["location"]
    assert location.startswith(REDIRECT + "?")
    assert "state=abc" in location
    assert "code=" in location


async def test_authorize_refuses_unknown_client_without_redirecting(xero: XeroHelper) -> None:
    response = await xero.client.get(
        "/identity/connect/authorize",
        params={
            "response_type": "code",
            "client_id": "nope",
            "redirect_uri": REDIRECT,
            "scope": "openid",
        },
    )
    assert response.status_code == 400
    assert "location" not in response.headers


async def test_authorize_reports_bad_scope_to_the_redirect_uri(xero: XeroHelper) -> None:
    response = await xero.client.get(
        "/identity/connect/authorize",
        params={
            "response_type": "code",
            "client_id": xero.state.config.xero.client_id,
            "redirect_uri": REDIRECT,
            "scope": "not.a.scope",
            "state": "z",
        },
    )
    assert response.status_code == 302
    assert "error=invalid_scope" in response.headers["location"]


async def test_pkce_s256_verifier_is_checked(xero: XeroHelper) -> None:
    verifier = "v" * 50
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=")
    code = await xero.code(code_challenge=challenge.decode(), code_challenge_method="S256")
    public = {"client_id": xero.state.config.xero.client_id}
    wrong = await xero.token(
        {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": REDIRECT,
            "code_verifier": "w" * 50,
            **public,
        },
        {},
    )
    assert wrong.status_code == 400
    assert wrong.json() == {"error": "invalid_grant"}
    code = await xero.code(code_challenge=challenge.decode(), code_challenge_method="S256")
    right = await xero.token(
        {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": REDIRECT,
            "code_verifier": verifier,
            **public,
        },
        {},
    )
    assert right.status_code == 200
    assert right.json()["expires_in"] == 1800


async def test_code_is_single_use_and_bound_to_redirect_uri(xero: XeroHelper) -> None:
    code = await xero.code()
    mismatch = await xero.token(
        {"grant_type": "authorization_code", "code": code, "redirect_uri": "http://elsewhere/cb"}
    )
    assert mismatch.json() == {"error": "invalid_grant"}
    ok = await xero.token(
        {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT}
    )
    assert ok.status_code == 200
    again = await xero.token(
        {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT}
    )
    assert again.status_code == 400
    assert again.json() == {"error": "invalid_grant"}


async def test_basic_client_auth_is_required_and_checked(xero: XeroHelper) -> None:
    code = await xero.code()
    bad = await xero.token(
        {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT},
        basic(xero.state.config.xero.client_id, "wrong"),
    )
    assert bad.status_code == 400
    assert bad.json() == {"error": "invalid_client"}
    in_body = await xero.token(
        {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": REDIRECT,
            "client_id": xero.state.config.xero.client_id,
            "client_secret": xero.state.config.xero.client_secret,
        },
        {},
    )
    assert in_body.status_code == 200


async def test_unsupported_grant_type(xero: XeroHelper) -> None:
    response = await xero.token({"grant_type": "password", "username": "u"})
    assert response.status_code == 400
    assert response.json() == {"error": "unsupported_grant_type"}


async def test_expired_access_token_gets_401_token_expired(
    xero: XeroHelper, clock: FakeClock
) -> None:
    headers = await xero.api_headers()
    assert (await xero.client.get(API, headers=headers)).status_code == 200
    clock.advance(1800)
    response = await xero.client.get(API, headers=headers)
    assert response.status_code == 401
    body = response.json()
    assert body["Title"] == "Unauthorized"
    assert body["Status"] == 401
    assert body["Detail"].startswith("TokenExpired: token expired at ")


async def test_garbage_or_missing_token_gets_401(xero: XeroHelper) -> None:
    for headers in (
        {"Authorization": "Bearer nonsense", "Xero-tenant-Id": xero.tenant},
        {"Xero-tenant-Id": xero.tenant},
    ):
        response = await xero.client.get(API, headers=headers)
        assert response.status_code == 401
        assert response.json()["Detail"] == "AuthenticationUnsuccessful"


async def test_refresh_rotates_and_previous_token_works_only_within_grace(
    xero: XeroHelper, clock: FakeClock
) -> None:
    first = (await xero.login())["refresh_token"]
    rotated = await xero.token({"grant_type": "refresh_token", "refresh_token": first})
    assert rotated.status_code == 200
    second = rotated.json()["refresh_token"]
    assert second != first
    clock.advance(29 * 60)  # the response was "lost": retry the old token within 30 minutes
    retry = await xero.token({"grant_type": "refresh_token", "refresh_token": first})
    assert retry.status_code == 200
    clock.advance(2 * 60)  # now 31 minutes after rotation
    late = await xero.token({"grant_type": "refresh_token", "refresh_token": first})
    assert late.status_code == 400
    assert late.json() == {"error": "invalid_grant"}
    assert (
        await xero.token({"grant_type": "refresh_token", "refresh_token": second})
    ).status_code == 200
    assert xero.state.stats()["token_grants"]["refresh_token"] == 3


async def test_unused_refresh_token_expires_after_60_days(
    xero: XeroHelper, clock: FakeClock
) -> None:
    refresh = (await xero.login())["refresh_token"]
    clock.advance(60 * 86400 + 1)
    response = await xero.token({"grant_type": "refresh_token", "refresh_token": refresh})
    assert response.json() == {"error": "invalid_grant"}


async def test_revocation_kills_refresh_token_and_connections(xero: XeroHelper) -> None:
    tokens = await xero.login()
    response = await xero.client.post(
        "/connect/revocation", data={"token": tokens["refresh_token"]}, headers=xero.auth
    )
    assert response.status_code == 200
    again = await xero.token(
        {"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]}
    )
    assert again.json() == {"error": "invalid_grant"}
    listing = await xero.client.get("/connections", headers=xero.headers(tokens["access_token"]))
    assert listing.json() == []
    api = await xero.client.get(API, headers=xero.headers(tokens["access_token"]))
    assert api.status_code == 403


async def test_one_consent_reaches_several_tenants(xero: XeroHelper) -> None:
    tokens = await xero.login()
    listing = await xero.client.get(
        "/connections", headers={"Authorization": f"Bearer {tokens['access_token']}"}
    )
    rows = listing.json()
    assert listing.status_code == 200
    assert len(rows) == 2
    assert {r["tenantName"] for r in rows} == {"Demo Company (IN)", "Demo Company (NZ)"}
    assert len({r["authEventId"] for r in rows}) == 1
    assert set(rows[0]) == {
        "id",
        "authEventId",
        "tenantId",
        "tenantType",
        "tenantName",
        "createdDateUtc",
        "updatedDateUtc",
    }
    for row in rows:
        org = await xero.client.get(
            "/api.xro/2.0/Organisation",
            headers=xero.headers(tokens["access_token"], row["tenantId"]),
        )
        assert org.json()["Organisations"][0]["Name"] == row["tenantName"]


async def test_delete_connection_disconnects_that_tenant(xero: XeroHelper) -> None:
    tokens = await xero.login()
    auth = {"Authorization": f"Bearer {tokens['access_token']}"}
    rows = (await xero.client.get("/connections", headers=auth)).json()
    target = next(r for r in rows if r["tenantId"] == xero.tenant)
    assert (
        await xero.client.delete(f"/connections/{target['id']}", headers=auth)
    ).status_code == 204
    assert (
        await xero.client.delete(f"/connections/{target['id']}", headers=auth)
    ).status_code == 404
    response = await xero.client.get(API, headers=xero.headers(tokens["access_token"]))
    assert response.status_code == 403
    assert response.json()["Detail"] == "AuthenticationUnsuccessful"


async def test_wrong_or_missing_tenant_header_gets_403(xero: XeroHelper) -> None:
    token = (await xero.login())["access_token"]
    for tenant in ("00000000-0000-0000-0000-000000000000", ""):
        response = await xero.client.get(
            API, headers=xero.headers(token, tenant) | ({} if tenant else {"Xero-tenant-Id": ""})
        )
        assert response.status_code == 403
        assert response.json()["Title"] == "Forbidden"


async def test_tenant_header_name_is_case_insensitive(xero: XeroHelper) -> None:
    token = (await xero.login())["access_token"]
    headers = {"authorization": f"Bearer {token}", "XERO-TENANT-ID": xero.tenant}
    assert (await xero.client.get(API, headers=headers)).status_code == 200


async def test_missing_scope_gets_401_authorization_unsuccessful(xero: XeroHelper) -> None:
    tokens = await xero.login(scope="openid accounting.contacts.read")
    response = await xero.client.get(API, headers=xero.headers(tokens["access_token"]))
    assert response.status_code == 401
    assert response.json()["Detail"] == "AuthorizationUnsuccessful"
    assert "refresh_token" not in tokens  # no offline_access, no refresh token
    contacts = await xero.client.get(
        "/api.xro/2.0/Contacts", headers=xero.headers(tokens["access_token"])
    )
    assert contacts.status_code == 200
    write = await xero.client.put(
        "/api.xro/2.0/Contacts", json={"Name": "X"}, headers=xero.headers(tokens["access_token"])
    )
    assert write.status_code == 401


async def test_client_credentials_token_is_bound_to_one_tenant(xero: XeroHelper) -> None:
    response = await xero.token({"grant_type": "client_credentials"})
    body = response.json()
    assert response.status_code == 200
    assert "refresh_token" not in body
    assert body["expires_in"] == 1800
    auth = {"Authorization": f"Bearer {body['access_token']}"}
    no_header = await xero.client.get(API, headers=auth)
    assert no_header.status_code == 200
    same = await xero.client.get(API, headers=auth | {"Xero-tenant-Id": xero.tenant})
    assert same.status_code == 200
    other = next(t for t in xero.state.xero.orgs if t != xero.tenant)
    assert (await xero.client.get(API, headers=auth | {"Xero-tenant-Id": other})).status_code == 403
    rows = (await xero.client.get("/connections", headers=auth)).json()
    assert [r["tenantId"] for r in rows] == [xero.tenant]
    assert xero.state.stats()["token_grants"] == {"client_credentials": 1}


async def test_client_credentials_refuse_offline_access(xero: XeroHelper) -> None:
    response = await xero.token({"grant_type": "client_credentials", "scope": "offline_access"})
    assert response.status_code == 400
    assert response.json() == {"error": "invalid_scope"}


async def test_token_endpoint_never_500s_on_junk(xero: XeroHelper) -> None:
    for content in (b"\xff\xfe", b"{}", b"grant_type=refresh_token", b"=&=&"):
        response = await xero.client.post("/connect/token", content=content, headers=xero.auth)
        assert response.status_code == 400
    bad_basic = await xero.client.post(
        "/connect/token",
        data={"grant_type": "client_credentials"},
        headers={"Authorization": "Basic !!!"},
    )
    assert bad_basic.status_code == 400
    assert bad_basic.json() == {"error": "invalid_client"}


async def test_connections_answer_with_a_capital_c_as_the_official_sdk_asks(
    xero: XeroHelper,
) -> None:
    """Issue 10 item 22: Xero's identity spec and the SDK's get_connections use /Connections."""
    tokens = await xero.login()
    auth = {"Authorization": f"Bearer {tokens['access_token']}"}
    lower = (await xero.client.get("/connections", headers=auth)).json()
    upper = await xero.client.get("/Connections", headers=auth)
    assert upper.status_code == 200
    assert upper.json() == lower
    target = lower[0]["id"]
    assert (await xero.client.delete(f"/Connections/{target}", headers=auth)).status_code == 204
    assert len((await xero.client.get("/Connections", headers=auth)).json()) == len(lower) - 1
