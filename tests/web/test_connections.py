"""``/connections``: connect Xero through the consent page, add WhatsApp, check, disconnect."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from component.oauth.access import token_repo
from tests.web.conftest import Web, csrf_of

pytestmark = pytest.mark.anyio


async def consent(web: Web, location: str) -> str:
    """What the browser does at Xero: open the consent page, come back with the code."""
    async with httpx.AsyncClient(transport=web.sandbox.transport) as browser:
        answer = await browser.get(location)
    assert answer.status_code == 302, answer.text
    back = answer.headers["location"]
    assert back.startswith("http://web.test/connections/xero/callback?")
    return back.removeprefix("http://web.test")


async def test_connect_xero_through_the_consent_page(signed_in: Web) -> None:
    xero = signed_in.sandbox.state.config.xero
    start = await signed_in.form_post(
        "/connections/xero",
        {
            "name": "xero",
            "clientId": xero.client_id,
            "clientSecret": xero.client_secret,
            "tenant": "Demo Company (IN)",
        },
        page="/connections",
    )
    assert start.status_code == 303
    location = start.headers["location"]
    query = parse_qs(urlsplit(location).query)
    assert location.startswith("http://sandbox.invalid/identity/connect/authorize?")
    assert query["redirect_uri"] == ["http://web.test/connections/xero/callback"]
    assert query["code_challenge_method"] == ["S256"]
    back = await consent(signed_in, location)
    done = await signed_in.client.get(back)
    assert done.status_code == 200, done.text
    assert "Xero connection &#39;xero&#39; is ready" in done.text
    record = token_repo(signed_in.runtime).get("xero")
    assert record is not None
    assert record.tokens is not None
    assert record.tokens.refresh_token
    listed = (await signed_in.client.get("/connections")).text
    assert "Xero (OAuth)" in listed
    assert "Demo Company" in listed
    assert "Switch Demo Company (IN) off" in listed


async def test_without_credentials_the_form_says_which_field(signed_in: Web) -> None:
    response = await signed_in.form_post("/connections/xero", {"name": "xero"}, page="/connections")
    assert response.status_code == 400
    assert 'id="xero-client-id-error"' in response.text
    assert 'id="xero-client-secret-error"' in response.text


async def test_a_replayed_or_forged_callback_stores_nothing(signed_in: Web) -> None:
    response = await signed_in.client.get("/connections/xero/callback?state=forged&code=abc")
    assert response.status_code == 400
    assert "matches no pending authorisation" in response.text
    assert signed_in.runtime.store.connections.names() == []


async def test_the_callback_without_a_session_asks_to_sign_in_after_storing(web: Web) -> None:
    response = await web.client.get("/connections/xero/callback?state=forged&code=abc")
    assert response.status_code == 400
    assert "Your connections" not in response.text


async def test_add_whatsapp_from_the_spec_form_and_check_it(signed_in: Web) -> None:
    wa = signed_in.sandbox.state.config.whatsapp
    page = (await signed_in.client.get("/connections")).text
    for key in ("accessToken", "phoneNumberId", "businessAccountId", "appSecret", "verifyToken"):
        assert f'id="in-{key}"' in page
    saved = await signed_in.form_post(
        "/connections/whatsapp",
        {
            "name": "whatsapp",
            "accessToken": wa.access_token,
            "phoneNumberId": wa.phone_number_id,
            "businessAccountId": wa.business_account_id,
            "appSecret": wa.app_secret,
            "verifyToken": wa.verify_token,
        },
        page="/connections",
    )
    assert saved.status_code == 200
    assert "WhatsApp connection &#39;whatsapp&#39; is saved." in saved.text
    assert wa.access_token not in saved.text
    assert wa.app_secret not in saved.text
    checked = await signed_in.form_post(
        "/connections/check", {"name": "whatsapp"}, page="/connections"
    )
    assert re.search(r"WhatsApp answers; \d+ of \d+ templates are approved\.", checked.text)


async def test_a_wrong_whatsapp_token_shows_in_the_health_check(signed_in: Web) -> None:
    wa = signed_in.sandbox.state.config.whatsapp
    await signed_in.form_post(
        "/connections/whatsapp",
        {
            "accessToken": "wrong-token",
            "phoneNumberId": wa.phone_number_id,
            "businessAccountId": wa.business_account_id,
        },
        page="/connections",
    )
    checked = await signed_in.form_post(
        "/connections/check", {"name": "whatsapp"}, page="/connections"
    )
    assert checked.status_code == 200
    assert 'class="error" role="status"' in checked.text


async def test_whatsapp_without_the_required_fields_names_them(signed_in: Web) -> None:
    response = await signed_in.form_post(
        "/connections/whatsapp", {"name": "whatsapp"}, page="/connections"
    )
    assert response.status_code == 400
    assert 'id="in-accessToken-error"' in response.text


async def test_disconnect_needs_the_confirmation_then_forgets(connected: Web) -> None:
    refused = await connected.form_post(
        "/connections/disconnect", {"name": "whatsapp"}, page="/connections"
    )
    assert refused.status_code == 400
    assert "whatsapp" in connected.runtime.store.connections.names()
    done = await connected.form_post(
        "/connections/disconnect", {"name": "whatsapp", "confirm": "yes"}, page="/connections"
    )
    assert done.status_code == 200
    assert "Connection &#39;whatsapp&#39; is disconnected." in done.text
    assert connected.runtime.store.connections.names() == ["xero"]


async def test_unknown_connections_and_missing_tokens_are_refused(connected: Web) -> None:
    missing = await connected.form_post("/connections/check", {"name": "nope"}, page="/connections")
    assert missing.status_code == 404
    page = await connected.client.get("/connections")
    no_token = await connected.client.post(
        "/connections/disconnect", data={"name": "xero", "confirm": "yes"}
    )
    assert no_token.status_code == 403
    assert csrf_of(page.text)
    assert "xero" in connected.runtime.store.connections.names()


async def test_every_consented_organisation_is_saved_and_can_be_switched_off(
    signed_in: Web,
) -> None:
    xero = signed_in.sandbox.state.config.xero
    start = await signed_in.form_post(
        "/connections/xero",
        {"clientId": xero.client_id, "clientSecret": xero.client_secret},
        page="/connections",
    )
    done = await signed_in.client.get(await consent(signed_in, start.headers["location"]))
    assert "Demo Company (IN), Demo Company (NZ)" in done.text
    nz = next(
        o for o in signed_in.runtime.store.organisations.all() if o.name == "Demo Company (NZ)"
    )
    off = await signed_in.form_post(
        "/connections/organisation", {"org": nz.tenant_id, "enabled": "off"}, page="/connections"
    )
    assert "Demo Company (NZ) is switched off" in off.text
    row = signed_in.runtime.store.organisations.get(nz.tenant_id)
    assert row is not None
    assert row.enabled is False
    assert "Switch Demo Company (NZ) on" in off.text
    junk = await signed_in.form_post(
        "/connections/organisation", {"org": nz.tenant_id, "enabled": "maybe"}, page="/connections"
    )
    assert junk.status_code == 400


async def test_a_number_saved_here_is_proven_from_its_first_webhook(signed_in: Web) -> None:
    """The service resolves webhook secrets at start; saving (or removing) a WhatsApp number on
    this page resolves them again, so its webhooks need no restart to be accepted."""
    from component.service.webhooks_whatsapp import sign

    wa = signed_in.sandbox.state.config.whatsapp
    body = b'{"object": "whatsapp_business_account", "entry": []}'
    headers = {"Content-Type": "application/json", "X-Hub-Signature-256": sign(wa.app_secret, body)}

    async def webhook() -> int:
        answer = await signed_in.client.post("/webhooks/whatsapp", content=body, headers=headers)
        return answer.status_code

    assert await webhook() == 401
    await signed_in.form_post(
        "/connections/whatsapp",
        {
            "name": "whatsapp",
            "accessToken": wa.access_token,
            "phoneNumberId": wa.phone_number_id,
            "appSecret": wa.app_secret,
            "verifyToken": wa.verify_token,
        },
        page="/connections",
    )
    assert await webhook() == 200
    await signed_in.form_post(
        "/connections/disconnect", {"name": "whatsapp", "confirm": "yes"}, page="/connections"
    )
    assert await webhook() == 401
