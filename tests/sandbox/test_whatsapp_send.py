"""POST /{version}/{phone-number-id}/messages: success shape, auth, validation, limits, recipients."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from component.clock import FakeClock
from component.sandbox.whatsapp import WhatsAppConfig
from component.sandbox.whatsapp.standalone import Standalone, standalone

PHONE_ID = "106540352242922"
URL = f"/v23.0/{PHONE_ID}/messages"
CUSTOMER = "+919820012345"


def reminder(to: str = CUSTOMER, **extra: Any) -> dict[str, Any]:
    """The payment reminder of facts/whatsapp.md."""
    return {
        "messaging_product": "whatsapp",
        "to": to,
        "type": "template",
        "biz_opaque_callback_data": "reminder:INV-0142:1",
        "template": {
            "name": "payment_reminder_pdf",
            "language": {"code": "en"},
            "components": [
                {
                    "type": "header",
                    "parameters": [
                        {
                            "type": "document",
                            "document": {
                                "link": "https://example.com/INV-0142.pdf",
                                "filename": "INV-0142.pdf",
                            },
                        }
                    ],
                },
                {
                    "type": "body",
                    "parameters": [
                        {"type": "text", "text": "Priya Textiles"},
                        {"type": "text", "text": "INV-0142"},
                        {
                            "type": "currency",
                            "currency": {
                                "fallback_value": "₹48,500.00",
                                "code": "INR",
                                "amount_1000": 48500000,
                            },
                        },
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
        **extra,
    }


def text(to: str = CUSTOMER, body: str = "Thanks, noted.") -> dict[str, Any]:
    return {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": to,
        "type": "text",
        "text": {"preview_url": False, "body": body},
    }


def make(clock: FakeClock, **config: Any) -> Standalone:
    return standalone(clock, WhatsAppConfig(**config))


def error_code(response: httpx.Response) -> int:
    body = response.json()
    assert set(body) == {"error"}
    error = body["error"]
    assert error["type"] == "OAuthException"
    assert error["fbtrace_id"]
    assert error["message"]
    if error["code"] != 190:
        assert error["error_data"]["messaging_product"] == "whatsapp"
        assert error["error_data"]["details"]
    return int(error["code"])


@pytest.mark.anyio
async def test_template_send_succeeds_with_metas_exact_shape(clock: FakeClock) -> None:
    box = make(clock)
    async with box.client() as client:
        response = await client.post(URL, json=reminder())
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"messaging_product", "contacts", "messages"}
    assert body["messaging_product"] == "whatsapp"
    assert body["contacts"] == [{"input": CUSTOMER, "wa_id": "919820012345"}]
    [message] = body["messages"]
    assert set(message) == {"id", "message_status"}
    assert message["id"].startswith("wamid.")
    assert message["message_status"] == "accepted"
    assert response.headers["facebook-api-version"] == "v23.0"
    [sent] = box.world.message_list()
    assert sent["biz_opaque_callback_data"] == "reminder:INV-0142:1"
    assert sent["status"] == "accepted"


@pytest.mark.anyio
@pytest.mark.parametrize("token", ["", "wrong-token"])
async def test_missing_or_bad_token_is_190_with_401(clock: FakeClock, token: str) -> None:
    box = make(clock)
    async with box.client(token=token) as client:
        response = await client.post(URL, json=reminder())
    assert response.status_code == 401
    assert error_code(response) == 190
    assert box.world.messages == {}


@pytest.mark.anyio
async def test_access_token_query_parameter_is_accepted_like_graph(clock: FakeClock) -> None:
    box = make(clock)
    async with box.client(token="") as client:
        token = box.world.config.access_token
        response = await client.post(URL, json=reminder(), params={"access_token": token})
    assert response.status_code == 200


@pytest.mark.anyio
async def test_unknown_phone_number_id_is_100_subcode_33(clock: FakeClock) -> None:
    box = make(clock)
    async with box.client() as client:
        response = await client.post("/v23.0/999/messages", json=reminder())
    assert response.status_code == 400
    assert error_code(response) == 100
    assert response.json()["error"]["error_subcode"] == 33


@pytest.mark.anyio
async def test_other_versions_are_served_unless_disabled(clock: FakeClock) -> None:
    box = make(clock)
    async with box.client() as client:
        ok = await client.post(f"/v21.0/{PHONE_ID}/messages", json=reminder())
    assert ok.status_code == 200
    assert ok.headers["facebook-api-version"] == "v21.0"
    strict = make(clock, accept_other_versions=False)
    async with strict.client() as client:
        refused = await client.post(f"/v21.0/{PHONE_ID}/messages", json=reminder())
    assert error_code(refused) == 2635


@pytest.mark.anyio
@pytest.mark.parametrize(
    "body",
    [
        b"{not json",
        b"\xff\xfe",
        b"[]",
        b"",
        b'"text"',
        b"{}",
        b'{"messaging_product":"sms","to":"+919820012345","type":"text","text":{"body":"x"}}',
        b'{"messaging_product":"whatsapp","type":"text","text":{"body":"x"}}',
        b'{"messaging_product":"whatsapp","to":"call me","type":"text","text":{"body":"x"}}',
        b'{"messaging_product":"whatsapp","to":12345678,"type":"text","text":{"body":"x"}}',
        b'{"messaging_product":"whatsapp","to":"+91","type":"text","text":{"body":"x"}}',
        b'{"messaging_product":"whatsapp","to":"+919820012345","type":"text"}',
        b'{"messaging_product":"whatsapp","to":"+919820012345","type":"text","text":{"body":""}}',
        b'{"messaging_product":"whatsapp","to":"+919820012345","type":"text","text":"hi"}',
        b'{"messaging_product":"whatsapp","to":"+919820012345","type":"fax","fax":{}}',
        b'{"messaging_product":"whatsapp","to":"+919820012345","type":"template"}',
        b'{"messaging_product":"whatsapp","to":"+919820012345","type":"template","template":[]}',
        b'{"messaging_product":"whatsapp","to":"+919820012345","type":"template",'
        b'"template":{"name":"payment_reminder"}}',
        b'{"messaging_product":"whatsapp","to":"+919820012345","type":"template",'
        b'"template":{"name":"invoice_new","language":{"code":"en"},"components":{}}}',
        b'{"messaging_product":"whatsapp","to":"+919820012345","type":"template",'
        b'"template":{"name":"invoice_new","language":{"code":"en"},"components":[7]}}',
        b'{"messaging_product":"whatsapp","to":"+919820012345","type":"document",'
        b'"document":{"link":"ftp://x/y.pdf"}}',
        b'{"messaging_product":"whatsapp","to":"+919820012345","type":"image","image":{}}',
        b'{"messaging_product":"whatsapp","recipient_type":"group","to":"+919820012345",'
        b'"type":"text","text":{"body":"x"}}',
        b'{"messaging_product":"whatsapp","to":"+919820012345","type":"text",'
        b'"text":{"body":"x"},"biz_opaque_callback_data":42}',
    ],
)
async def test_malformed_requests_get_100_never_500(clock: FakeClock, body: bytes) -> None:
    box = make(clock)
    async with box.client() as client:
        response = await client.post(
            URL, content=body, headers={"Content-Type": "application/json"}
        )
    assert response.status_code == 400
    assert error_code(response) == 100
    assert box.world.stats()["rejected"] == {"100": 1}


@pytest.mark.anyio
async def test_recipient_outside_allowed_list_is_131030(clock: FakeClock) -> None:
    box = make(clock, allowed_recipients=["919820012345"])
    async with box.client() as client:
        allowed = await client.post(URL, json=reminder())
        refused = await client.post(URL, json=reminder(to="+919820054321"))
    assert allowed.status_code == 200
    assert error_code(refused) == 131030


@pytest.mark.anyio
async def test_81st_message_within_one_second_is_130429_with_429(clock: FakeClock) -> None:
    box = make(clock)
    async with box.client() as client:
        codes = []
        for i in range(81):
            response = await client.post(URL, json=reminder(to=f"+9198200{i:05d}"))
            codes.append(response.status_code)
        assert codes[:80] == [200] * 80
        assert codes[80] == 429
        assert error_code(response) == 130429
        clock.advance(1.0)
        again = await client.post(URL, json=reminder(to="+919820099999"))
    assert again.status_code == 200


@pytest.mark.anyio
async def test_throughput_cap_is_configurable(clock: FakeClock) -> None:
    box = make(clock, throughput_per_second=2)
    async with box.client() as client:
        codes = [
            (await client.post(URL, json=reminder(to=f"+91982001000{i}"))).status_code
            for i in range(3)
        ]
    assert codes == [200, 200, 429]


@pytest.mark.anyio
async def test_second_message_to_same_recipient_within_pair_interval_is_131056(
    clock: FakeClock,
) -> None:
    box = make(clock)
    async with box.client() as client:
        first = await client.post(URL, json=reminder())
        second = await client.post(URL, json=reminder())
        other = await client.post(URL, json=reminder(to="+919820054321"))
        clock.advance(6.0)
        later = await client.post(URL, json=reminder())
    assert first.status_code == 200
    assert second.status_code == 400
    assert error_code(second) == 131056
    assert other.status_code == 200
    assert later.status_code == 200


@pytest.mark.anyio
async def test_pair_burst_borrows_from_future_quota(clock: FakeClock) -> None:
    box = make(clock, pair_burst=3)
    async with box.client() as client:
        codes = [(await client.post(URL, json=reminder())).status_code for _ in range(4)]
        clock.advance(6.0)
        refill = await client.post(URL, json=reminder())
        too_soon = await client.post(URL, json=reminder())
    assert codes == [200, 200, 200, 400]
    assert refill.status_code == 200
    assert error_code(too_soon) == 131056


@pytest.mark.anyio
async def test_text_outside_window_is_131047_sync_when_configured(clock: FakeClock) -> None:
    box = make(clock, window_failure="sync")
    async with box.client() as client:
        refused = await client.post(URL, json=text())
        assert error_code(refused) == 131047
        await client.post("/_sandbox/whatsapp/inbound", json={"from": CUSTOMER, "text": "Hi"})
        allowed = await client.post(URL, json=text())
        assert allowed.status_code == 200
        clock.advance(24 * 3600 + 1)
        closed = await client.post(URL, json=text())
    assert error_code(closed) == 131047


@pytest.mark.anyio
async def test_text_outside_window_is_accepted_then_fails_by_default(clock: FakeClock) -> None:
    box = make(clock)
    async with box.client() as client:
        response = await client.post(URL, json=text())
    assert response.status_code == 200
    await box.world.advance(5)
    [status] = box.recorder.statuses()
    assert status["status"] == "failed"
    assert status["errors"][0]["code"] == 131047


@pytest.mark.anyio
async def test_text_after_inbound_message_passes_and_is_delivered(clock: FakeClock) -> None:
    box = make(clock)
    async with box.client() as client:
        await client.post("/_sandbox/whatsapp/inbound", json={"from": CUSTOMER, "text": "START"})
        clock.advance(10)
        response = await client.post(URL, json=text())
    assert response.status_code == 200
    await box.world.advance(10)
    assert [s["status"] for s in box.recorder.statuses()] == ["sent", "delivered"]
    assert box.recorder.statuses()[0]["pricing"]["category"] == "service"


@pytest.mark.anyio
async def test_not_on_whatsapp_fails_by_webhook_by_default(clock: FakeClock) -> None:
    box = make(clock, not_on_whatsapp={"919820054321"})
    async with box.client() as client:
        response = await client.post(URL, json=reminder(to="+919820054321"))
    assert response.status_code == 200
    assert response.json()["contacts"][0]["wa_id"] == "919820054321"
    await box.world.advance(5)
    [status] = box.recorder.statuses()
    assert status["status"] == "failed"
    assert status["errors"][0]["code"] == 131026
    assert status["biz_opaque_callback_data"] == "reminder:INV-0142:1"
    [message] = box.world.message_list()
    assert message["error"]["code"] == 131026


@pytest.mark.anyio
async def test_not_on_whatsapp_is_a_sync_131026_when_configured(clock: FakeClock) -> None:
    box = make(clock, not_on_whatsapp_pattern=r"91982005\d+", undeliverable_failure="sync")
    async with box.client() as client:
        response = await client.post(URL, json=reminder(to="+919820054321"))
    assert response.status_code == 400
    assert error_code(response) == 131026
    assert box.world.messages == {}


@pytest.mark.anyio
async def test_to_without_plus_and_country_code_gets_the_business_country_code(
    clock: FakeClock,
) -> None:
    """A US customer's number sent as 2025550143 from an Indian business number becomes
    +91 2025550143: a landline in India, not the customer, so the reminder fails later."""
    box = make(clock)
    async with box.client() as client:
        with_plus = await client.post(URL, json=reminder(to="+1 202-555-0143"))
        with_cc = await client.post(URL, json=reminder(to="12025550199"))
        local = await client.post(URL, json=reminder(to="2025550143"))
    assert with_plus.json()["contacts"][0]["wa_id"] == "12025550143"
    assert with_cc.json()["contacts"][0]["wa_id"] == "12025550199"
    assert local.json()["contacts"] == [{"input": "2025550143", "wa_id": "912025550143"}]
    await box.world.advance(5)
    wrong = next(m for m in box.world.message_list() if m["wa_id"] == "912025550143")
    assert wrong["country_code_prepended"] is True
    assert wrong["error"]["code"] == 131026


@pytest.mark.anyio
async def test_document_message_by_uploaded_id_and_by_unknown_id(clock: FakeClock) -> None:
    box = make(clock)
    async with box.client() as client:
        await client.post("/_sandbox/whatsapp/inbound", json={"from": CUSTOMER, "text": "pdf?"})
        upload = await client.post(
            f"/v23.0/{PHONE_ID}/media",
            data={"messaging_product": "whatsapp", "type": "application/pdf"},
            files={"file": ("INV-0142.pdf", b"%PDF-1.4 demo", "application/pdf")},
        )
        media_id = upload.json()["id"]
        doc = {"id": media_id, "filename": "INV-0142.pdf", "caption": "Your invoice"}
        ok = await client.post(
            URL, json={**text(), "type": "document", "document": doc, "text": None}
        )
        clock.advance(6)
        missing = await client.post(
            URL, json={**text(), "type": "image", "image": {"id": "123456789012345"}}
        )
    assert ok.status_code == 200
    assert missing.status_code == 200
    await box.world.advance(5)
    failed = [s for s in box.recorder.statuses() if s["status"] == "failed"]
    assert [s["errors"][0]["code"] for s in failed] == [131053]
