"""Status and inbound webhooks (signed, ordered, on the clock), the control API, and media."""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

import pytest

from component.clock import FakeClock
from component.sandbox.whatsapp import StatusTiming, WhatsAppConfig
from component.sandbox.whatsapp.standalone import Standalone, standalone

PHONE_ID = "106540352242922"
WABA_ID = "419561257915477"
URL = f"/v23.0/{PHONE_ID}/messages"
CUSTOMER = "+919820012345"
CONTROL = "/_sandbox/whatsapp"


def received_template(to: str = CUSTOMER, ref: str = "receipt:INV-0142") -> dict[str, Any]:
    """A NAMED template without header or button: the simplest valid template send."""
    params = [
        {"type": "text", "text": "Zoë Café", "parameter_name": "party_name"},
        {
            "type": "currency",
            "parameter_name": "amount",
            "currency": {"fallback_value": "₹500.00", "code": "INR", "amount_1000": 500000},
        },
        {"type": "text", "text": "INV-0142", "parameter_name": "invoice_number"},
    ]
    return {
        "messaging_product": "whatsapp",
        "to": to,
        "type": "template",
        "biz_opaque_callback_data": ref,
        "template": {
            "name": "payment_received",
            "language": {"code": "en"},
            "components": [{"type": "body", "parameters": params}],
        },
    }


def make(clock: FakeClock, **timing: Any) -> Standalone:
    config = WhatsAppConfig(status_timing=StatusTiming(**timing))
    return standalone(clock, config)


async def send(box: Standalone, body: dict[str, Any]) -> str:
    async with box.client() as client:
        response = await client.post(URL, json=body)
    assert response.status_code == 200, response.text
    return str(response.json()["messages"][0]["id"])


@pytest.mark.anyio
async def test_statuses_arrive_sent_delivered_read_as_the_clock_moves(clock: FakeClock) -> None:
    box = make(clock, read_probability=1.0)
    wamid = await send(box, received_template())
    assert await box.world.advance(0) == []
    assert box.recorder.received == []
    await box.world.advance(1)
    assert [s["status"] for s in box.recorder.statuses()] == ["sent"]
    await box.world.advance(2)
    await box.world.advance(60)
    statuses = box.recorder.statuses()
    assert [s["status"] for s in statuses] == ["sent", "delivered", "read"]
    assert {s["id"] for s in statuses} == {wamid}
    assert all(s["recipient_id"] == "919820012345" for s in statuses)
    assert all(s["biz_opaque_callback_data"] == "receipt:INV-0142" for s in statuses)
    assert statuses[0]["pricing"] == {
        "billable": True,
        "pricing_model": "PMP",
        "category": "utility",
        "type": "regular",
    }
    timestamps = [int(s["timestamp"]) for s in statuses]
    assert timestamps == sorted(timestamps)
    [message] = box.world.message_list()
    assert [h["status"] for h in message["statuses"]] == ["sent", "delivered", "read"]


@pytest.mark.anyio
async def test_status_webhook_signature_verifies_with_the_app_secret(clock: FakeClock) -> None:
    box = make(clock)
    await send(box, received_template())
    await box.world.advance(10)
    assert box.recorder.received
    secret = box.world.config.app_secret.encode()
    for hook in box.recorder.received:
        header = hook.headers["x-hub-signature-256"]
        expected = "sha256=" + hmac.new(secret, hook.body, hashlib.sha256).hexdigest()
        assert hmac.compare_digest(header, expected)
        assert hook.signature_ok
        assert hook.headers["content-type"] == "application/json"
        payload = hook.json()
        assert payload["object"] == "whatsapp_business_account"
        [entry] = payload["entry"]
        assert entry["id"] == WABA_ID
        [change] = entry["changes"]
        assert change["field"] == "messages"
        assert change["value"]["messaging_product"] == "whatsapp"
        assert change["value"]["metadata"] == {
            "display_phone_number": "912261500000",
            "phone_number_id": PHONE_ID,
        }


@pytest.mark.anyio
async def test_body_is_ascii_escaped_so_reserialising_breaks_the_signature(
    clock: FakeClock,
) -> None:
    box = make(clock)
    async with box.client() as client:
        await client.post(
            f"{CONTROL}/inbound", json={"from": CUSTOMER, "text": "Merci ₹", "name": "Zoë"}
        )
    await box.world.advance(0)
    [hook] = box.recorder.received
    assert b"\\u20b9" in hook.body
    assert b"\\u00eb" in hook.body
    assert hook.body.isascii()


@pytest.mark.anyio
async def test_read_is_optional(clock: FakeClock) -> None:
    box = make(clock, read_probability=0.0)
    await send(box, received_template())
    await box.world.advance(3600)
    assert [s["status"] for s in box.recorder.statuses()] == ["sent", "delivered"]


@pytest.mark.anyio
async def test_failed_status_carries_the_error_code_title_and_details(clock: FakeClock) -> None:
    box = make(clock)
    await send(box, received_template(to="+919999900000"))
    await box.world.advance(5)
    [status] = box.recorder.statuses()
    assert status["status"] == "failed"
    assert "pricing" not in status
    [error] = status["errors"]
    assert error["code"] == 131026
    assert error["title"] == "Message undeliverable"
    assert error["message"]
    assert error["error_data"]["details"]
    stats = box.world.stats()
    assert stats["failed"] == {"131026": 1}
    assert stats["errors"] == {"131026": 1}


@pytest.mark.anyio
async def test_duplicates_happen_when_configured(clock: FakeClock) -> None:
    box = make(clock, duplicate_probability=1.0, read_probability=0.0)
    await send(box, received_template())
    await box.world.advance(10)
    assert [s["status"] for s in box.recorder.statuses()] == [
        "sent",
        "sent",
        "delivered",
        "delivered",
    ]


@pytest.mark.anyio
async def test_failed_webhook_deliveries_are_retried_and_may_arrive_out_of_order(
    clock: FakeClock,
) -> None:
    """A refused ``sent`` is retried later, after ``delivered`` already went through: receivers
    must not assume order (facts: ``read`` can even arrive without ``delivered``)."""
    box = make(clock, read_probability=0.0)
    box.recorder.status_code = 500
    await send(box, received_template())
    await box.world.advance(2)
    assert len(box.recorder.received) == 1
    box.recorder.status_code = 200
    for _ in range(20):
        await box.world.advance(600)
    records = box.world.deliverer.records()
    sent = [r for r in records if r["delivery_id"] == records[0]["delivery_id"]]
    assert [r["state"] for r in sent] == ["pending", "delivered"]
    assert all(r["kind"] == "whatsapp.status" for r in records)
    assert [s["status"] for s in box.recorder.statuses()] == ["sent", "delivered", "sent"]
    assert box.world.config.webhook_max_age_seconds == 7 * 86_400


@pytest.mark.anyio
async def test_without_webhook_url_statuses_are_only_recorded(clock: FakeClock) -> None:
    box = make(clock)
    box.world.reset(box.world.config.model_copy(update={"webhook_url": None}))
    await send(box, received_template())
    await box.world.advance(60)
    assert box.recorder.received == []
    assert box.world.message_list()[0]["status"] in {"delivered", "read"}


@pytest.mark.anyio
async def test_inbound_message_webhook_and_window(clock: FakeClock) -> None:
    box = make(clock)
    async with box.client() as client:
        response = await client.post(
            f"{CONTROL}/inbound", json={"from": CUSTOMER, "text": "STOP", "name": "Priya"}
        )
    assert response.status_code == 200
    record = response.json()
    assert record["from"] == "919820012345"
    await box.world.advance(0)
    [hook] = box.recorder.received
    assert hook.signature_ok
    value = hook.json()["entry"][0]["changes"][0]["value"]
    bsuid = record["user_id"]
    assert bsuid.startswith("IN.")
    assert value["contacts"] == [
        {"profile": {"name": "Priya"}, "wa_id": "919820012345", "user_id": bsuid}
    ]
    [message] = value["messages"]
    assert message == {
        "from": "919820012345",
        "from_user_id": bsuid,
        "id": record["id"],
        "timestamp": str(int(clock.now().timestamp())),
        "type": "text",
        "text": {"body": "STOP"},
    }
    assert box.world.window_open("919820012345")
    assert box.world.stats()["open_windows"] == 1
    clock.advance(24 * 3600)
    assert not box.world.window_open("919820012345")


@pytest.mark.anyio
@pytest.mark.parametrize(
    "body",
    [b"nope", b"[]", b'{"text": "hi"}', b'{"from": "abc", "text": "hi"}', b'{"from": "+91982"}'],
)
async def test_inbound_control_rejects_bad_bodies_with_400(clock: FakeClock, body: bytes) -> None:
    box = make(clock)
    async with box.client() as client:
        response = await client.post(f"{CONTROL}/inbound", content=body)
    assert response.status_code == 400


@pytest.mark.anyio
async def test_control_messages_flush_stats_and_reset(clock: FakeClock) -> None:
    box = make(clock, read_probability=0.0)
    await send(box, received_template())
    await send(box, received_template(to="+919820054321", ref="receipt:INV-0150"))
    async with box.client() as client:
        clock.advance(5)
        flushed = await client.post(f"{CONTROL}/statuses/flush")
        listing = await client.get(f"{CONTROL}/messages", params={"to": "+919820054321"})
        by_template = await client.get(f"{CONTROL}/messages", params={"template": "nope"})
        await client.post(URL, json=received_template())  # pair limit: rejected
        stats = (await client.get(f"{CONTROL}/stats")).json()
        reset = await client.post(f"{CONTROL}/reset")
        after = await client.get(f"{CONTROL}/messages")
    assert len(flushed.json()["attempts"]) == 4
    [message] = listing.json()["messages"]
    assert message["biz_opaque_callback_data"] == "receipt:INV-0150"
    assert message["template"]["name"] == "payment_received"
    assert message["parameters"][0] == {"name": "party_name", "type": "text", "value": "Zoë Café"}
    assert [s["status"] for s in message["statuses"]] == ["sent", "delivered"]
    assert by_template.json()["messages"] == []
    assert stats["sends"] == 3
    assert stats["accepted"] == 2
    assert stats["rejected"] == {"131056": 1}
    assert stats["statuses"] == {"delivered": 2, "sent": 2}
    assert stats["by_template"] == {"payment_received": 2}
    assert reset.json() == {"reset": True}
    assert after.json()["messages"] == []
    assert box.world.stats()["sends"] == 0


@pytest.mark.anyio
async def test_reset_drops_only_whatsapp_webhooks(clock: FakeClock) -> None:
    box = make(clock)
    await send(box, received_template())
    box.world.deliverer.enqueue("xero.event", "http://x.test/", b"{}", {}, max_age_seconds=60)
    box.world.reset()
    assert box.world.deliverer.pending() == 1


@pytest.mark.anyio
async def test_media_upload_describe_download_delete(clock: FakeClock) -> None:
    box = make(clock)
    pdf = b"%PDF-1.4 invoice"
    async with box.client() as client:
        upload = await client.post(
            f"/v23.0/{PHONE_ID}/media",
            data={"messaging_product": "whatsapp", "type": "application/pdf"},
            files={"file": ("INV-0142.pdf", pdf, "application/pdf")},
        )
        media_id = upload.json()["id"]
        info = await client.get(f"/v23.0/{media_id}")
        download = await client.get(info.json()["url"])
        anonymous = await client.get(info.json()["url"], headers={"Authorization": ""})
        deleted = await client.delete(f"/v23.0/{media_id}")
        gone = await client.get(f"/v23.0/{media_id}")
    assert upload.status_code == 200
    assert media_id.isdigit()
    assert info.json() == {
        "messaging_product": "whatsapp",
        "url": info.json()["url"],
        "mime_type": "application/pdf",
        "sha256": hashlib.sha256(pdf).hexdigest(),
        "file_size": str(len(pdf)),
        "id": media_id,
    }
    assert download.content == pdf
    assert anonymous.status_code == 401
    assert deleted.json() == {"success": True}
    assert gone.json()["error"]["code"] == 100


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("data", "files", "code"),
    [
        ({"type": "application/pdf"}, {"file": ("a.pdf", b"%PDF", "application/pdf")}, 100),
        ({"messaging_product": "whatsapp"}, None, 100),
        (
            {"messaging_product": "whatsapp"},
            {"file": ("a.exe", b"MZ", "application/x-exe")},
            131053,
        ),
        ({"messaging_product": "whatsapp"}, {"file": ("a.pdf", b"", "application/pdf")}, 131053),
    ],
)
async def test_media_upload_errors(
    clock: FakeClock, data: dict[str, str], files: dict[str, Any] | None, code: int
) -> None:
    box = make(clock)
    async with box.client() as client:
        if files is None:
            response = await client.post(f"/v23.0/{PHONE_ID}/media", data=data)
        else:
            response = await client.post(f"/v23.0/{PHONE_ID}/media", data=data, files=files)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == code


@pytest.mark.anyio
async def test_media_upload_with_a_broken_multipart_body_is_100(clock: FakeClock) -> None:
    box = make(clock)
    async with box.client() as client:
        response = await client.post(
            f"/v23.0/{PHONE_ID}/media",
            content=b"--xyz\r\nContent-Disposition: form-data; name=\r\n\r\n",
            headers={"Content-Type": "multipart/form-data; boundary=xyz"},
        )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == 100


@pytest.mark.anyio
async def test_phone_number_object_describes_the_business_number(clock: FakeClock) -> None:
    box = make(clock)
    async with box.client() as client:
        response = await client.get(f"/v23.0/{PHONE_ID}")
    assert response.json()["display_phone_number"] == "+91 22 6150 0000"
    assert response.json()["id"] == PHONE_ID


@pytest.mark.anyio
async def test_subscription_check_like_the_app_dashboard(clock: FakeClock) -> None:
    box = make(clock)
    async with box.client() as client:
        good = await client.post(f"{CONTROL}/webhook/verify")
        wrong = await client.post(f"{CONTROL}/webhook/verify", json={"verify_token": "guess"})
        bad = await client.post(f"{CONTROL}/webhook/verify", json={"verify_token": 5})
    assert good.json() == {"ok": True, "status_code": 200, "challenge_echoed": True}
    assert wrong.json()["ok"] is False
    assert wrong.json()["status_code"] == 403
    assert bad.status_code == 400
