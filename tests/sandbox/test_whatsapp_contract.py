"""Contract: what clients send and what the WhatsApp sandbox answers validate against Meta's
official OpenAPI file (the harness and its documented quirks: ``tests/sandbox/wa_contract.py``).
"""

from __future__ import annotations

import json
from typing import Any

import jsonschema
import pytest
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from component.clock import FakeClock
from component.sandbox.whatsapp import StatusTiming, WhatsAppConfig
from component.sandbox.whatsapp.standalone import Standalone, standalone
from tests.sandbox.wa_contract import SPEC, URI, Contract, load_contract

pytestmark = pytest.mark.skipif(
    not SPEC.exists(), reason=f"official WhatsApp OpenAPI file not present at {SPEC}"
)

PHONE_ID = "106540352242922"
WABA_ID = "419561257915477"
URL = f"/v23.0/{PHONE_ID}/messages"
CUSTOMER = "+919820012345"


@pytest.fixture(scope="module")
def contract() -> Contract:
    return load_contract()


@pytest.fixture
def box(clock: FakeClock) -> Standalone:
    return standalone(clock, WhatsAppConfig(status_timing=StatusTiming(read_probability=1.0)))


def reminder(to: str = CUSTOMER) -> dict[str, Any]:
    money = {"fallback_value": "₹48,500.00", "code": "INR", "amount_1000": 48500000}
    document = {"link": "https://example.com/INV-0142.pdf", "filename": "INV-0142.pdf"}
    return {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": to,
        "type": "template",
        "biz_opaque_callback_data": "reminder:INV-0142:1",
        "template": {
            "name": "payment_reminder_pdf",
            "language": {"code": "en"},
            "components": [
                {"type": "header", "parameters": [{"type": "document", "document": document}]},
                {
                    "type": "body",
                    "parameters": [
                        {"type": "text", "text": "Priya Textiles"},
                        {"type": "text", "text": "INV-0142"},
                        {"type": "currency", "currency": money},
                        {"type": "date_time", "date_time": {"fallback_value": "7 July 2026"}},
                        {"type": "text", "text": "7"},
                    ],
                },
                {
                    "type": "button",
                    "sub_type": "url",
                    "index": "0",
                    "parameters": [{"type": "text", "text": "iNv0142aBcD"}],
                },
            ],
        },
    }


def named(to: str = CUSTOMER) -> dict[str, Any]:
    money = {"fallback_value": "₹500.00", "code": "INR", "amount_1000": 500000}
    return {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": to,
        "type": "template",
        "template": {
            "name": "payment_received",
            "language": {"code": "en_US"},
            "components": [
                {
                    "type": "body",
                    "parameters": [
                        {"type": "text", "text": "Priya", "parameter_name": "party_name"},
                        {"type": "currency", "currency": money, "parameter_name": "amount"},
                        {"type": "text", "text": "INV-0142", "parameter_name": "invoice_number"},
                    ],
                }
            ],
        },
    }


def text(to: str = CUSTOMER) -> dict[str, Any]:
    return {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": to,
        "type": "text",
        "text": {"preview_url": False, "body": "Thanks, we received your message."},
    }


def media_message(kind: str, media: dict[str, Any], to: str = CUSTOMER) -> dict[str, Any]:
    return {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": to,
        "type": kind,
        kind: media,
    }


def test_every_served_graph_path_is_in_the_spec(contract: Contract) -> None:
    served = {
        "/{Version}/{Phone-Number-ID}/messages": "post",
        "/{Version}/{Phone-Number-ID}/media": "post",
        "/{Version}/{Media-ID}": "get",
        "/{Version}/{WABA-ID}/message_templates": "get",
    }
    for path, method in served.items():
        assert method in contract.paths[path], path


@pytest.mark.parametrize(
    "request_body",
    [
        reminder(),
        named(),
        text(),
        media_message("document", {"id": "1234567890", "filename": "a.pdf", "caption": "c"}),
        media_message("document", {"link": "https://example.com/a.pdf", "filename": "a.pdf"}),
        media_message("image", {"link": "https://example.com/a.png"}),
    ],
    ids=["reminder", "named", "text", "document-id", "document-link", "image-link"],
)
def test_requests_our_tests_send_match_the_message_schema(
    contract: Contract, request_body: dict[str, Any]
) -> None:
    contract.schema("Message", request_body)


def test_the_schema_still_rejects_what_it_should(contract: Contract) -> None:
    """The neutralised quirks do not make the validator accept anything."""
    broken = reminder()
    broken["template"]["components"][1]["parameters"][2] = {
        "type": "currency",
        "currency": {"fallback_value": "₹1", "code": "INR"},
    }
    with pytest.raises(AssertionError, match="amount_1000"):
        contract.schema("Message", broken)
    with pytest.raises(AssertionError):
        contract.schema("Message", {**text(), "type": "text", "text": {"body": 5}})


@pytest.mark.anyio
async def test_success_responses_match_the_spec(box: Standalone, contract: Contract) -> None:
    async with box.client() as client:
        await client.post("/_sandbox/whatsapp/inbound", json={"from": CUSTOMER, "text": "Hi"})
        upload = await client.post(
            f"/v23.0/{PHONE_ID}/media",
            data={"messaging_product": "whatsapp", "type": "application/pdf"},
            files={"file": ("INV-0142.pdf", b"%PDF-1.4", "application/pdf")},
        )
        media_id = upload.json()["id"]
        bodies = [
            reminder(),
            named(to="+919820054321"),
            text(to="+919820011111"),
            media_message("document", {"id": media_id, "filename": "INV-0142.pdf"}, "+9198200222"),
        ]
        responses = [await client.post(URL, json=body) for body in bodies]
        info = await client.get(f"/v23.0/{media_id}")
        listing = await client.get(f"/v23.0/{WABA_ID}/message_templates")
    for body, response in zip(bodies, responses, strict=True):
        contract.schema("Message", body)
        assert response.status_code == 200, response.text
        contract.response("/{Version}/{Phone-Number-ID}/messages", "post", response.json())
        contract.schema("MessageResponsePayload", response.json())
    contract.response("/{Version}/{Phone-Number-ID}/media", "post", upload.json())
    contract.response("/{Version}/{Media-ID}", "get", info.json())
    contract.response("/{Version}/{WABA-ID}/message_templates", "get", listing.json())


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("token", "body"),
    [
        ("bad", reminder()),
        (None, {"messaging_product": "whatsapp"}),
        (None, {**reminder(), "template": {"name": "nope", "language": {"code": "en"}}}),
        (None, {**reminder(), "template": {**reminder()["template"], "components": []}}),
    ],
)
async def test_error_responses_match_graph_api_error(
    box: Standalone, contract: Contract, token: str | None, body: dict[str, Any]
) -> None:
    async with box.client(token=token) as client:
        response = await client.post(URL, json=body)
    assert response.status_code in {400, 401}
    contract.schema("GraphAPIError", response.json())
    contract.schema("ErrorResponse", response.json())


@pytest.mark.anyio
async def test_status_webhooks_match_the_webhook_schema(
    box: Standalone, contract: Contract
) -> None:
    async with box.client() as client:
        await client.post(URL, json=reminder())
        await client.post(URL, json=reminder(to="+919999900000"))  # not on WhatsApp
    await box.world.advance(120)
    statuses = box.recorder.statuses()
    assert {s["status"] for s in statuses} == {"sent", "delivered", "read", "failed"}
    for hook in box.recorder.received:
        payload = json.loads(hook.body)
        contract.schema("WebhookPayload", payload)
        contract.schema("StatusMessageValue", payload["entry"][0]["changes"][0]["value"])
    failed = next(s for s in statuses if s["status"] == "failed")
    contract.schema("ErrorObject_2", failed["errors"][0])


@pytest.mark.anyio
async def test_inbound_message_webhook_matches_the_webhook_schema(
    box: Standalone, contract: Contract
) -> None:
    async with box.client() as client:
        await client.post(
            "/_sandbox/whatsapp/inbound", json={"from": CUSTOMER, "text": "STOP", "name": "Priya"}
        )
    await box.world.advance(0)
    [hook] = box.recorder.received
    payload = hook.json()
    contract.schema("WebhookPayload", payload)
    contract.schema("IncomingMessageValueGeneral", payload["entry"][0]["changes"][0]["value"])


def test_listing_shape_is_what_a_client_reads(contract: Contract) -> None:
    """The spec's listing schema is loose; pin the fields the product's config check reads."""
    schema = contract.document["paths"]["/{Version}/{WABA-ID}/message_templates"]["get"]
    item = schema["responses"]["200"]["content"]["application/json"]["schema"]["properties"]
    fields = set(item["data"]["items"]["properties"])
    assert {"name", "language", "status", "category", "components", "id"} <= fields


def test_the_neutralised_quirks_are_still_in_the_published_file(contract: Contract) -> None:
    """If Meta fixes its file, this fails: then drop the corresponding patch above."""
    raw = Registry().with_resource(
        URI, Resource.from_contents(contract.document, default_specification=DRAFT202012)
    )

    def valid(instance: Any, name: str) -> bool:
        schema = {"$ref": f"{URI}#/components/schemas/{name}"}
        return jsonschema.Draft202012Validator(schema, registry=raw).is_valid(instance)

    assert not valid({"code": "en"}, "LanguageObject")  # quirk 1
    assert not valid(reminder()["template"]["components"][2], "ButtonComponent")  # quirk 2
    assert not valid(text(), "TextMessage")  # quirk 4
    assert "to" in contract.document["components"]["schemas"]["BaseMessageProperties"]["required"]
