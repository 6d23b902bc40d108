"""Provider profiles at the request level: the exact URL and auth header each profile sends, the
template listing of a flat provider, and profiles that make no sense refused by input name."""

from __future__ import annotations

import json
from typing import Any

import pytest
from pytest_httpx import HTTPXMock

from component import errors
from component.runtime import Runtime
from component.sessions import open_value
from component.whatsapp.client import WhatsAppClient
from component.whatsapp.signature import WebhookSignature, signature_of
from tests.whatsapp.conftest import CUSTOMER, MESSAGES_URL, PHONE_ID, WABA_ID, accepted

pytestmark = pytest.mark.anyio

D360 = "https://waba-v2.360dialog.io"
KEY = "d360-api-key-of-the-number"
DIALOG = {
    "type": "whatsappCloud",
    "accessToken": KEY,
    "phoneNumberId": PHONE_ID,
    "businessAccountId": WABA_ID,
    "provider": "compatible",
    "baseUrl": D360,
    "authHeader": "D360-API-KEY",
    "authScheme": "",
    "pathStyle": "flat",
    "webhookSignature": "hmac-sha256",
    "webhookHeader": "x-360dialog-signature",
    "appSecret": "platform-secret",
}


async def client_for(runtime: Runtime, **value: Any) -> WhatsAppClient:
    return WhatsAppClient(runtime, await open_value(runtime, value))


async def test_360dialog_sends_its_key_header_to_the_flat_path(
    runtime: Runtime, httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_response(method="POST", url=f"{D360}/messages", json=accepted())
    client = await client_for(runtime, **DIALOG)

    result = await client.send_text(CUSTOMER, "Thanks, noted")

    request = httpx_mock.get_request()
    assert request is not None
    assert request.headers["D360-API-KEY"] == KEY
    assert "authorization" not in request.headers
    assert json.loads(request.content)["to"] == CUSTOMER
    assert result.message_status == "accepted"


async def test_meta_sends_a_bearer_token_to_the_graph_path(
    runtime: Runtime, httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_response(method="POST", url=MESSAGES_URL, json=accepted())
    client = await client_for(
        runtime, type="whatsappCloud", accessToken="EAAG-token", phoneNumberId=PHONE_ID
    )

    await client.send_text(CUSTOMER, "hi")

    request = httpx_mock.get_request()
    assert request is not None
    assert request.headers["Authorization"] == "Bearer EAAG-token"
    assert "d360-api-key" not in request.headers


async def test_a_provider_with_a_scheme_and_graph_paths(
    runtime: Runtime, httpx_mock: HTTPXMock
) -> None:
    url = f"https://wa.example-bsp.com/v23.0/{PHONE_ID}/messages"
    httpx_mock.add_response(method="POST", url=url, json=accepted())
    value = {
        **DIALOG,
        "baseUrl": "https://wa.example-bsp.com",
        "authHeader": "X-Api-Key",
        "authScheme": "Key",
        "pathStyle": "graph",
    }
    client = await client_for(runtime, **value)

    await client.send_text(CUSTOMER, "hi")

    request = httpx_mock.get_request()
    assert request is not None
    assert request.headers["X-Api-Key"] == f"Key {KEY}"


async def test_a_flat_providers_templates_are_read_page_by_page(
    runtime: Runtime, httpx_mock: HTTPXMock
) -> None:
    def page(offset: int, names: list[str]) -> dict[str, Any]:
        rows = [{"name": n, "language": "en", "status": "APPROVED"} for n in names]
        return {"count": len(rows), "offset": offset, "total": 3, "waba_templates": rows}

    base = f"{D360}/v1/configs/templates"
    httpx_mock.add_response(url=f"{base}?limit=1000&offset=0", json=page(0, ["a", "b"]))
    httpx_mock.add_response(url=f"{base}?limit=1000&offset=2", json=page(2, ["c"]))
    client = await client_for(runtime, **DIALOG)

    found = await client.list_templates()

    assert [t["name"] for t in found] == ["a", "b", "c"]
    assert all(r.headers["D360-API-KEY"] == KEY for r in httpx_mock.get_requests())


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        ({"baseUrl": None}, "baseUrl", "is required for a compatible provider"),
        ({"baseUrl": "http://waba-v2.360dialog.io"}, "baseUrl", "must be an https:// URL"),
        ({"provider": "twilio"}, "provider", "is not one of the choices"),
        ({"webhookHeader": None}, "webhookHeader", "is required with webhookSignature"),
    ],
)
async def test_a_profile_that_makes_no_sense_is_refused_by_input_name(
    runtime: Runtime, change: dict[str, Any], field: str, words: str
) -> None:
    value = {k: v for k, v in {**DIALOG, **change}.items() if v is not None}
    with pytest.raises(errors.InputError) as info:
        await open_value(runtime, value)
    [problem] = info.value.problems
    assert problem.field == field
    assert words in problem.reason
    assert KEY not in str(info.value)


def test_each_scheme_verifies_its_own_proof_and_refuses_the_others() -> None:
    body = b'{"object":"whatsapp_business_account","entry":[]}'
    meta = signature_of({"appSecret": "s3cret"})
    dialog = signature_of(DIALOG)
    shared = WebhookSignature("s3cret", "header-secret", "X-Webhook-Secret")

    assert meta.verify(body, meta.sign(body))
    assert dialog.verify(body, dialog.sign(body))
    assert shared.verify(body, {"x-webhook-secret": "s3cret"})
    assert dialog.verify(
        body,
        {"X-360DIALOG-SIGNATURE": "sha256=" + dialog.sign(body)["x-360dialog-signature"].upper()},
    )
    assert not dialog.verify(body, meta.sign(body))
    assert not meta.verify(body, dialog.sign(body))
    assert not dialog.verify(body + b" ", dialog.sign(body))
    assert not shared.verify(body, {"x-webhook-secret": "s3cre"})
    assert not WebhookSignature("", "meta").verify(body, WebhookSignature("", "meta").sign(body))
    assert "s3cret" not in repr(meta) + repr(shared)
