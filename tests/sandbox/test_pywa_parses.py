"""An outside client reads the sandbox's webhooks: pywa 4.5 (a dev dependency) parses every kind
the WhatsApp sandbox sends — statuses of each kind (to a phone, to a BSUID, failed), inbound text
with and without a phone, quick-reply and interactive taps, and both system messages — into the
update type its own handlers expect, with the ids Meta's 2026 payloads carry.

pywa swallows a parsing failure into an ERROR log line ("Failed to construct update"), so each
delivery must produce exactly one callback and no ERROR record from pywa.

One gap is pywa's, not the sandbox's: Meta's ``user_changed_user_id`` system message carries no
phone number (system-messages webhook reference and changelog, 11 Aug 2026), and pywa 4.5's
``PhoneNumberChange`` reads ``messages[0]["from"]`` unconditionally (pywa/types/system.py), so it
raises ``KeyError: 'from'``. The test pins that exact failure: it fails when pywa fixes it, and
then the exception below goes."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from pywa import WhatsApp

from component.clock import FakeClock
from component.sandbox.whatsapp import StatusTiming, WhatsAppConfig
from component.sandbox.whatsapp.config import UserConfig
from component.sandbox.whatsapp.standalone import Standalone, standalone

PHONE_ID = "106540352242922"
URL = f"/v23.0/{PHONE_ID}/messages"
CONTROL = "/_sandbox/whatsapp"
PRIYA, ASHA = "+919820012345", "+919820054321"


def pywa_client(seen: list[tuple[str, Any]]) -> WhatsApp:
    wa = WhatsApp(
        phone_id=PHONE_ID, server=None, verify_token="v", app_secret="s", validate_updates=False
    )
    wa.on_message()(lambda _, m: seen.append(("message", m)))
    wa.on_message_status()(lambda _, s: seen.append(("status", s)))
    wa.on_callback_button()(lambda _, b: seen.append(("button", b)))
    wa.on_phone_number_change()(lambda _, c: seen.append(("system", c)))
    return wa


def template(to: str) -> dict[str, Any]:
    money = {"fallback_value": "₹500.00", "code": "INR", "amount_1000": 500000}
    params = [
        {"type": "text", "text": "Priya"},
        {"type": "text", "text": "INV-1"},
        {"type": "currency", "currency": money},
        {"type": "date_time", "date_time": {"fallback_value": "7 July 2026"}},
        {"type": "text", "text": "7"},
    ]
    return {
        "messaging_product": "whatsapp",
        "to": to,
        "type": "template",
        "template": {
            "name": "payment_reminder",
            "language": {"code": "en"},
            "components": [
                {"type": "body", "parameters": params},
                {
                    "type": "button",
                    "sub_type": "url",
                    "index": "0",
                    "parameters": [{"type": "text", "text": "x"}],
                },
            ],
        },
    }


def text(**target: str) -> dict[str, Any]:
    return {"messaging_product": "whatsapp", **target, "type": "text", "text": {"body": "ok"}}


async def every_kind(box: Standalone) -> None:
    async with box.client() as client:
        asha = (await client.post(f"{CONTROL}/inbound", json={"from": ASHA, "text": "STOP"})).json()
        await client.post(URL, json=template(PRIYA))
        await client.post(URL, json=template("+919999900000"))  # 131026
        await client.post(URL, json=text(to="+919820011111"))  # 131047
        await client.post(URL, json=text(recipient=asha["user_id"]))
        await client.post(f"{CONTROL}/inbound", json={"from": PRIYA, "text": "paid yesterday"})
        await client.post(
            f"{CONTROL}/inbound", json={"from": PRIYA, "button": {"text": "Paid already"}}
        )
        reply = {"id": "XWA_LATER", "title": "Need more time"}
        await client.post(f"{CONTROL}/inbound", json={"from": PRIYA, "interactive": reply})
        await client.post(
            f"{CONTROL}/users/change-number", json={"from": PRIYA, "new_phone": "+919820099999"}
        )
        await client.post(f"{CONTROL}/users/change-user-id", json={"user_id": asha["user_id"]})
    await box.world.advance(120)


@pytest.mark.anyio
async def test_pywa_parses_every_webhook_the_sandbox_sends(
    clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    users = [UserConfig(phone=ASHA, name="Asha", username="asha.traders", hides_phone=True)]
    box = standalone(
        clock, WhatsAppConfig(users=users, status_timing=StatusTiming(read_probability=1.0))
    )
    await every_kind(box)
    kinds: dict[str, int] = {}
    for hook in box.recorder.received:
        seen: list[tuple[str, Any]] = []
        caplog.clear()
        with caplog.at_level(logging.ERROR, logger="pywa"):
            assert pywa_client(seen).webhook_update_handler(hook.body) == ("ok", 200)
        errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
        if b'"user_changed_user_id"' in hook.body:  # pywa's gap (module docstring)
            [error] = errors
            assert error.exc_info is not None
            assert repr(error.exc_info[1]) == "KeyError('from')"
            kinds["pywa_gap"] = kinds.get("pywa_gap", 0) + 1
            continue
        assert not errors, (hook.body, [e.getMessage() for e in errors])
        assert len(seen) == 1, hook.body
        kind, update = seen[0]
        kinds[kind] = kinds.get(kind, 0) + 1
        raw = hook.json()["entry"][0]["changes"][0]["value"]
        if kind == "status":
            status = raw["statuses"][0]
            assert update.id == status["id"]
            assert update.from_user.bsuid == status.get("recipient_user_id")
            assert update.from_user.wa_id == status.get("recipient_id")
        elif kind in ("message", "button"):
            assert update.from_user.bsuid == raw["contacts"][0]["user_id"]
            assert update.from_user.wa_id == raw["contacts"][0].get("wa_id")
            assert update.from_user.username == raw["contacts"][0]["profile"].get("username")
        else:
            assert update.new_user_id == raw["messages"][0]["system"]["user_id"]
    assert kinds == {"message": 2, "status": 8, "button": 2, "system": 1, "pywa_gap": 1}
