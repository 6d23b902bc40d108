"""``POST/GET /{waba-id}/message_templates``: creation, review on the sandbox clock, refusals and
Meta's re-categorisation, with request and answers checked against the published schema."""

from __future__ import annotations

from typing import Any

import pytest

from component.clock import FakeClock
from component.sandbox.whatsapp import WhatsAppConfig
from component.sandbox.whatsapp.standalone import Standalone, standalone
from tests.sandbox.wa_contract import SPEC, Contract, load_contract

pytestmark = pytest.mark.skipif(
    not SPEC.exists(), reason=f"official WhatsApp OpenAPI file not present at {SPEC}"
)

WABA_ID = "419561257915477"
URL = f"/v23.0/{WABA_ID}/message_templates"
PATH = "/{Version}/{WABA-ID}/message_templates"


@pytest.fixture(scope="module")
def contract() -> Contract:
    return load_contract()


@pytest.fixture
def box(clock: FakeClock) -> Standalone:
    return standalone(clock, WhatsAppConfig(template_review_seconds=120))


def definition(**overrides: Any) -> dict[str, Any]:
    body = {
        "type": "BODY",
        "text": "Hello {{1}}, invoice {{2}} is overdue. Please pay at your convenience.",
        "example": {"body_text": [["Priya Textiles", "INV-0142"]]},
    }
    return {
        "name": "payment_nudge",
        "language": "hi",
        "category": "UTILITY",
        "components": [
            body,
            {"type": "FOOTER", "text": "Reply STOP to opt out"},
            {
                "type": "BUTTONS",
                "buttons": [
                    {"type": "URL", "text": "Pay", "url": "https://in.xero.com/{{1}}"},
                    {"type": "QUICK_REPLY", "text": "Paid already"},
                ],
            },
        ],
        **overrides,
    }


async def listed(box: Standalone, name: str) -> list[dict[str, Any]]:
    async with box.client() as client:
        response = await client.get(URL, params={"name": name})
    return list(response.json()["data"])


@pytest.mark.anyio
async def test_a_created_template_is_pending_until_review_then_approved(
    box: Standalone, clock: FakeClock, contract: Contract
) -> None:
    async with box.client() as client:
        created = await client.post(URL, json=definition())
    assert created.status_code == 200, created.text
    contract.response(PATH, "post", created.json())
    assert created.json()["status"] == "PENDING"
    assert created.json()["category"] == "UTILITY"
    [row] = await listed(box, "payment_nudge")
    assert row["status"] == "PENDING"
    assert row["language"] == "hi"
    clock.advance(119)
    assert (await listed(box, "payment_nudge"))[0]["status"] == "PENDING"
    clock.advance(1)
    [row] = await listed(box, "payment_nudge")
    contract.response(PATH, "get", {"data": [row]})
    assert row["status"] == "APPROVED"
    assert row["id"] == created.json()["id"]
    buttons = next(c for c in row["components"] if c["type"] == "BUTTONS")["buttons"]
    assert [b["type"] for b in buttons] == ["URL", "QUICK_REPLY"]


@pytest.mark.anyio
async def test_promotional_utility_text_is_filed_under_marketing(box: Standalone) -> None:
    body = {
        "type": "BODY",
        "text": "Hi {{1}}, pay invoice {{2}} today and get a 5% discount on your next order.",
        "example": {"body_text": [["Priya", "INV-1"]]},
    }
    async with box.client() as client:
        created = await client.post(URL, json=definition(components=[body]))
    assert created.json()["category"] == "MARKETING"


@pytest.mark.anyio
async def test_review_rejects_a_body_that_is_mostly_variables(
    box: Standalone, clock: FakeClock
) -> None:
    body = {
        "type": "BODY",
        "text": "Hi {{1}} {{2}} {{3}} now.",
        "example": {"body_text": [["a", "b", "c"]]},
    }
    async with box.client() as client:
        await client.post(URL, json=definition(components=[body]))
    clock.advance(120)
    [row] = await listed(box, "payment_nudge")
    assert row["status"] == "REJECTED"
    assert row["rejected_reason"] == "INVALID_FORMAT"


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("overrides", "subcode", "words"),
    [
        ({"name": "Payment Nudge"}, None, "lowercase"),
        ({"language": "english"}, None, "language"),
        ({"category": "PROMO"}, None, "category"),
        ({"components": []}, None, "BODY"),
        (
            {"components": [{"type": "BODY", "text": "{{1}} owes money"}]},
            2388299,
            "start or end",
        ),
        (
            {"components": [{"type": "BODY", "text": "Hello {{1}}, pay {{3}} now please."}]},
            None,
            "sequence",
        ),
        (
            {"components": [{"type": "BODY", "text": "Hello {{1}}, pay now please."}]},
            None,
            "example",
        ),
    ],
)
async def test_malformed_definitions_are_refused_and_not_stored(
    box: Standalone,
    contract: Contract,
    overrides: dict[str, Any],
    subcode: int | None,
    words: str,
) -> None:
    async with box.client() as client:
        response = await client.post(URL, json=definition(**overrides))
    assert response.status_code == 400
    error = response.json()["error"]
    contract.schema("GraphAPIError", response.json())
    assert error["code"] == 100
    assert error.get("error_subcode") == subcode
    assert words in error["error_data"]["details"]
    assert await listed(box, "payment_nudge") == []


@pytest.mark.anyio
async def test_the_same_name_and_language_twice_is_refused(box: Standalone) -> None:
    async with box.client() as client:
        await client.post(URL, json=definition())
        again = await client.post(URL, json=definition())
        english = await client.post(URL, json=definition(language="en"))
    assert again.json()["error"]["error_subcode"] == 2388024
    assert english.status_code == 200


@pytest.mark.anyio
async def test_a_pending_template_cannot_be_sent_until_approved(
    box: Standalone, clock: FakeClock
) -> None:
    send = {
        "messaging_product": "whatsapp",
        "to": "+919820012345",
        "type": "template",
        "template": {
            "name": "payment_nudge",
            "language": {"code": "hi"},
            "components": [
                {
                    "type": "body",
                    "parameters": [
                        {"type": "text", "text": "Priya"},
                        {"type": "text", "text": "1"},
                    ],
                },
                {
                    "type": "button",
                    "sub_type": "url",
                    "index": "0",
                    "parameters": [{"type": "text", "text": "x"}],
                },
                {
                    "type": "button",
                    "sub_type": "quick_reply",
                    "index": "1",
                    "parameters": [{"type": "payload", "payload": "XWA_PAID:inv-1"}],
                },
            ],
        },
    }
    async with box.client() as client:
        await client.post(URL, json=definition())
        pending = await client.post("/v23.0/106540352242922/messages", json=send)
        clock.advance(120)
        approved = await client.post("/v23.0/106540352242922/messages", json=send)
        tap = await client.post(
            "/_sandbox/whatsapp/inbound",
            json={"from": "+919820012345", "button": {"text": "Paid already"}},
        )
    assert pending.json()["error"]["code"] == 132001
    assert approved.status_code == 200, approved.text
    assert tap.json()["payload"]["entry"][0]["changes"][0]["value"]["messages"][0]["button"] == {
        "payload": "XWA_PAID:inv-1",
        "text": "Paid already",
    }
