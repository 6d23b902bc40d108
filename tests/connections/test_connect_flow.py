"""The reusable connect flow: consent URL with state + PKCE, code exchange, tenant choice, storage."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest
from pytest_httpx import HTTPXMock

from component import errors
from component.oauth.access import token_repo
from component.oauth.authorize import finish_authorization, start_authorization
from component.oauth.pkce import challenge
from component.runtime import Runtime
from component.storage.tokens import TenantRef
from tests.connections.oauth_fixtures import (
    BASIC,
    CLIENT_ID,
    CLIENT_SECRET,
    CONNECTIONS_URL,
    ORG_BODY,
    ORG_URL,
    TOKEN_URL,
    call_org,
    form,
    token_body,
)
from tests.storage import postgres_backends

# Every test here runs on SQLite and on PostgreSQL (tests/storage/postgres_backends.py).
settings = postgres_backends.settings
store_backend = postgres_backends.store_backend

pytestmark = pytest.mark.anyio

VALUES = {"clientId": CLIENT_ID, "clientSecret": CLIENT_SECRET}
TENANTS = [
    {
        "id": "conn-1",
        "tenantId": "tenant-1",
        "tenantName": "Acme Ltd",
        "tenantType": "ORGANISATION",
    },
    {"id": "conn-2", "tenantId": "tenant-2", "tenantName": "Globex", "tenantType": "ORGANISATION"},
]


def query(url: str) -> dict[str, str]:
    return dict(parse_qsl(urlsplit(url).query))


def xero_answers(httpx_mock: HTTPXMock, tenants: list[dict[str, Any]] = TENANTS) -> None:
    httpx_mock.add_response(method="POST", url=TOKEN_URL, json=token_body(0))
    httpx_mock.add_response(
        method="GET",
        url=CONNECTIONS_URL,
        match_headers={"Authorization": "Bearer AT0"},
        json=tenants,
    )


async def test_the_consent_url_carries_state_and_an_s256_challenge(runtime: Runtime) -> None:
    started = await start_authorization(runtime, "acme", VALUES)
    parts = urlsplit(started.url)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == (
        "https://login.xero.com/identity/connect/authorize"
    )
    q = query(started.url)
    assert q["response_type"] == "code"
    assert q["client_id"] == CLIENT_ID
    assert q["redirect_uri"] == "http://localhost:8765/callback" == started.redirect_uri
    assert q["scope"].split()[0] == "offline_access"
    assert q["state"] == started.state
    assert len(started.state) >= 32
    assert q["code_challenge_method"] == "S256"
    assert "client_secret" not in started.url
    assert CLIENT_SECRET not in started.url


async def test_finishing_exchanges_the_code_with_the_verifier_and_stores_the_named_tenant(
    runtime: Runtime, httpx_mock: HTTPXMock
) -> None:
    started = await start_authorization(runtime, "acme", {**VALUES, "tenant": "GLOBEX"})
    xero_answers(httpx_mock)
    connected = await finish_authorization(runtime, state=started.state, code="the-code")

    [request] = httpx_mock.get_requests(url=TOKEN_URL)
    sent = form(request)
    assert request.headers["Authorization"] == BASIC
    assert sent["grant_type"] == "authorization_code"
    assert sent["code"] == "the-code"
    assert sent["redirect_uri"] == "http://localhost:8765/callback"
    assert challenge(sent["code_verifier"]) == query(started.url)["code_challenge"]
    assert 43 <= len(sent["code_verifier"]) <= 128
    assert connected.to_json()["tenantId"] == "tenant-2"

    record = token_repo(runtime).get("acme")
    assert record is not None
    assert record.refresh_token == "RT0"
    assert (record.tenant_id, record.tenant_name) == ("tenant-2", "Globex")
    assert [t.tenant_id for t in record.tenants] == ["tenant-1", "tenant-2"]


async def test_the_stored_connection_sends_the_tenant_header_on_every_call(
    runtime: Runtime, httpx_mock: HTTPXMock
) -> None:
    started = await start_authorization(runtime, "acme", {**VALUES, "tenant": "tenant-1"})
    xero_answers(httpx_mock)
    await finish_authorization(runtime, state=started.state, code="c")
    httpx_mock.add_response(
        method="GET",
        url=ORG_URL,
        match_headers={"Authorization": "Bearer AT0", "Xero-tenant-Id": "tenant-1"},
        json=ORG_BODY,
    )
    assert await call_org(runtime) == ORG_BODY
    assert len(httpx_mock.get_requests(url=CONNECTIONS_URL)) == 1  # resolved once, then cached


async def test_a_single_tenant_is_picked_without_asking(
    runtime: Runtime, httpx_mock: HTTPXMock
) -> None:
    started = await start_authorization(runtime, "acme", VALUES)
    xero_answers(httpx_mock, TENANTS[:1])
    connected = await finish_authorization(runtime, state=started.state, code="c")
    assert connected.tenant == TenantRef("tenant-1", "Acme Ltd", "conn-1")


async def test_several_tenants_ask_the_chooser_which_to_switch_on(
    runtime: Runtime, httpx_mock: HTTPXMock
) -> None:
    offered: list[str] = []

    async def choose(tenants: Sequence[TenantRef]) -> Sequence[TenantRef]:
        offered.extend(t.tenant_name for t in tenants)
        return [tenants[1]]

    started = await start_authorization(runtime, "acme", VALUES)
    xero_answers(httpx_mock)
    connected = await finish_authorization(runtime, state=started.state, code="c", chooser=choose)
    assert offered == ["Acme Ltd", "Globex"]
    assert connected.tenant is not None
    assert connected.tenant.tenant_id == "tenant-2"
    assert [t["enabled"] for t in connected.to_json()["tenants"]] == [False, True]
    orgs = {o.tenant_id: o.enabled for o in runtime.store.organisations.all()}
    assert orgs == {"tenant-1": False, "tenant-2": True}  # both saved, one switched off
    assert connected.summary() == (
        "Connection 'acme' is saved and reaches 2 organisations: Acme Ltd (off), Globex."
    )


async def test_several_tenants_without_a_chooser_saves_and_switches_on_all_of_them(
    runtime: Runtime, httpx_mock: HTTPXMock
) -> None:
    started = await start_authorization(runtime, "acme", VALUES)
    xero_answers(httpx_mock)
    connected = await finish_authorization(runtime, state=started.state, code="c")
    assert runtime.store.connections.names() == ["acme"]
    record = token_repo(runtime).get("acme")
    assert record is not None
    assert [t.tenant_id for t in record.tenants] == ["tenant-1", "tenant-2"]
    assert [(o.tenant_id, o.name, o.enabled) for o in runtime.store.organisations.all()] == [
        ("tenant-1", "Acme Ltd", True),
        ("tenant-2", "Globex", True),
    ]
    links = runtime.store.organisations.links_of("acme")
    assert [(link.tenant_id, link.xero_connection_id, link.state) for link in links] == [
        ("tenant-1", "conn-1", "active"),
        ("tenant-2", "conn-2", "active"),
    ]
    assert connected.summary() == (
        "Connection 'acme' is saved and reaches 2 organisations: Acme Ltd, Globex."
    )


async def test_a_named_tenant_that_was_not_authorised_still_saves_and_says_so(
    runtime: Runtime, httpx_mock: HTTPXMock
) -> None:
    started = await start_authorization(runtime, "acme", {**VALUES, "tenant": "Initech"})
    xero_answers(httpx_mock)
    connected = await finish_authorization(runtime, state=started.state, code="c")
    (note,) = connected.notes
    assert "'Initech'" in note
    assert "Acme Ltd (tenant-1), Globex (tenant-2)" in note
    assert all(t["enabled"] for t in connected.to_json()["tenants"])


async def test_a_consent_that_reached_no_organisation_is_a_connection_error(
    runtime: Runtime, httpx_mock: HTTPXMock
) -> None:
    started = await start_authorization(runtime, "acme", VALUES)
    xero_answers(httpx_mock, [])
    with pytest.raises(errors.ConnectionError, match="no Xero organisation"):
        await finish_authorization(runtime, state=started.state, code="c")
    assert runtime.store.connections.names() == []


async def test_a_state_is_single_use_and_unknown_states_are_refused(
    runtime: Runtime, httpx_mock: HTTPXMock
) -> None:
    with pytest.raises(errors.InputError, match="matches no pending authorisation"):
        await finish_authorization(runtime, state="forged", code="c")
    started = await start_authorization(runtime, "acme", VALUES)
    xero_answers(httpx_mock, TENANTS[:1])
    await finish_authorization(runtime, state=started.state, code="c")
    with pytest.raises(errors.InputError, match="already used"):
        await finish_authorization(runtime, state=started.state, code="c")


async def test_a_refused_consent_names_the_command_to_try_again(runtime: Runtime) -> None:
    started = await start_authorization(runtime, "acme", VALUES)
    with pytest.raises(errors.ConnectionError) as caught:
        await finish_authorization(runtime, state=started.state, code=None, error="access_denied")
    assert "access_denied" in caught.value.message
    assert "xero-wa connect xero --name acme" in caught.value.message


async def test_a_refused_code_is_a_connection_error(
    runtime: Runtime, httpx_mock: HTTPXMock
) -> None:
    started = await start_authorization(runtime, "acme", VALUES)
    httpx_mock.add_response(
        method="POST", url=TOKEN_URL, status_code=400, json={"error": "invalid_grant"}
    )
    with pytest.raises(errors.ConnectionError, match="single-use"):
        await finish_authorization(runtime, state=started.state, code="old")


async def test_scopes_without_offline_access_are_refused_before_the_browser(
    runtime: Runtime,
) -> None:
    with pytest.raises(errors.InputError, match="offline_access"):
        await start_authorization(runtime, "acme", {**VALUES, "scopes": "accounting.invoices"})


async def test_configured_urls_win_over_default_ones_but_not_over_explicit_ones(
    runtime: Runtime,
) -> None:
    runtime.settings = runtime.settings.model_copy(
        update={"xero_login_url": "http://sandbox.test", "xero_identity_url": "http://sandbox.test"}
    )
    started = await start_authorization(runtime, "a", VALUES)
    assert started.url.startswith("http://sandbox.test/identity/connect/authorize?")
    explicit = {**VALUES, "authorizeUrl": "https://login.example/authorize"}
    started = await start_authorization(runtime, "b", explicit)
    assert started.url.startswith("https://login.example/authorize?")


async def test_an_inline_authorization_code_value_is_refused_with_the_fix(runtime: Runtime) -> None:
    from component.sessions import open_value

    with pytest.raises(errors.ConnectionError, match="xero-wa connect xero --name NAME"):
        await open_value(runtime, {"type": "xeroOAuth2", **VALUES})
