"""Replies pause chasing, end to end in process: a real reminder run sends through the sandbox,
the customer answers through the sandbox (signed webhooks into the service), the worker acts, the
next runs obey; the clock is injected and moved across days."""

from __future__ import annotations

import json
from typing import Any

import pytest

from component.history.timeline import contact_timelines
from component.reminders.policy import load_policy
from component.reminders.run import RunOptions, run_reminders
from tests.service.conftest import Stack, service_config, whatsapp_headers
from tests.storage import postgres_backends

# Every test here runs on SQLite and on PostgreSQL (tests/storage/postgres_backends.py): the
# replies, pauses, promises and opt-outs are stored state.
settings = postgres_backends.settings
store_backend = postgres_backends.store_backend
api_settings = postgres_backends.api_settings

pytestmark = pytest.mark.anyio

PHONE = "+919820077777"
OWNER = "+919820000001"


@pytest.fixture
async def chased(make_stack: Any, sandbox_config: Any) -> Stack:
    config = service_config(
        xero_webhook_key=sandbox_config.xero.webhook_key,
        whatsapp_app_secret=sandbox_config.whatsapp.app_secret,
        whatsapp_verify_token=sandbox_config.whatsapp.verify_token,
        xero_wa_invoice_alerts=False,
        xero_wa_owner_phone=OWNER,
    )
    stack: Stack = await make_stack(config=config)
    return stack


async def overdue(stack: Stack, name: str = "Meera Fabrics", phone: str = "98200 77777") -> str:
    contact = {
        "Name": name,
        "Phones": [{"PhoneType": "MOBILE", "PhoneNumber": phone, "PhoneCountryCode": "91"}],
    }
    made = await stack.control("/xero/contacts", {"Contacts": [contact]})
    invoice = {
        "Type": "ACCREC",
        "Contact": {"ContactID": made["Contacts"][0]["ContactID"]},
        "Status": "AUTHORISED",
        "Date": "2026-06-07",
        "DueDate": "2026-07-07",
        "LineItems": [{"Description": "Silk, 80 m", "Quantity": 1, "UnitAmount": 24000}],
    }
    body = await stack.control("/xero/invoices", {"Invoices": [invoice]})
    await stack.deliver()
    await stack.service.worker.drain()
    invoice_id: str = body["Invoices"][0]["InvoiceID"]
    return invoice_id


async def remind(stack: Stack) -> Any:
    connections = stack.service.state.connections
    assert connections is not None
    xero = await connections.xero(stack.tenant)
    whatsapp = await connections.whatsapp(stack.tenant)
    as_of = stack.clock.now().date()
    report = await run_reminders(
        stack.service.runtime, xero, whatsapp, RunOptions(policy=load_policy(), as_of=as_of)
    )
    stack.clock.advance(60)
    await stack.deliver()
    return report


async def to_customer(stack: Stack) -> list[dict[str, Any]]:
    return await stack.messages(to=PHONE)


async def answer(stack: Stack, **body: Any) -> None:
    await stack.control("/whatsapp/inbound", {"from": PHONE, **body})
    await stack.deliver()
    await stack.service.worker.drain()
    stack.clock.advance(5)
    await stack.deliver()


async def test_a_reply_pauses_the_ladder_and_the_owner_is_told_once(chased: Stack) -> None:
    await overdue(chased)
    await remind(chased)
    [reminder] = await to_customer(chased)
    assert reminder["template"]["name"] == "payment_reminder"

    await answer(chased, text="I will pay next week, the cheque is ready")
    await chased.deliver()  # Meta redelivers the same message: nothing is done twice
    replies = chased.service.runtime.store.replies
    [reply] = replies.to_review()
    assert reply.outcome.startswith("replied: reminders paused until 2026-07-21")
    assert reply.contact_name == "Meera Fabrics"
    owner = await chased.messages(to=OWNER)
    assert [m["template"]["name"] for m in owner] == ["customer_reply"]
    assert "I will pay next week" in owner[0]["template"]["rendered_body"]
    assert reply.owner_told_at is not None
    [timeline] = contact_timelines(chased.service.runtime, "Meera Fabrics")
    replied = [s for s in timeline["timeline"] if s["event"] == "customer replied"]
    assert [s["text"] for s in replied] == ["I will pay next week, the cheque is ready"]

    chased.clock.advance(7 * 86400 - 3600)  # a week later, overdue_14 reached, still paused
    later = await remind(chased)
    assert later.skipped["paused_by_reply"] == 1
    assert len(await to_customer(chased)) == 1
    chased.clock.advance(3 * 3600)  # the pause is over
    await remind(chased)
    assert [m["template"]["name"] for m in await to_customer(chased)] == [
        "payment_reminder",
        "payment_reminder",
    ]


async def test_paid_already_notes_the_invoice_in_xero_and_tells_the_owner(chased: Stack) -> None:
    invoice_id = await overdue(chased)
    await remind(chased)

    await answer(chased, button={"text": "Paid already", "payload": "Paid already"})

    entries = chased.sandbox.xero.orgs[chased.tenant].history.get(invoice_id.lower(), [])
    assert any(e.details.startswith("Customer says paid on 14 Jul 2026") for e in entries)
    texts = [m for m in await to_customer(chased) if m["type"] == "text"]
    assert len(texts) == 1
    assert "reminders are paused" in texts[0]["content"]["text"]["body"]
    [owner] = await chased.messages(to=OWNER)
    assert "Paid already (the invoice is paid)" in owner["template"]["rendered_body"]
    [reply] = chased.service.runtime.store.replies.to_review()
    assert reply.intent == "paid"


async def test_need_more_time_promise_across_days(chased: Stack) -> None:
    await overdue(chased)
    await remind(chased)

    await answer(chased, button={"text": "Need more time", "payload": "Need more time"})
    asked = [m for m in await to_customer(chased) if m["type"] == "text"]
    assert "By what date will you pay invoice" in asked[-1]["content"]["text"]["body"]

    await answer(chased, text="some day soon")
    again = [m for m in await to_customer(chased) if m["type"] == "text"]
    assert again[-1]["content"]["text"]["body"].startswith(
        "Sorry, that is not a date we understand"
    )

    await answer(chased, text="25 July")
    noted = [m for m in await to_customer(chased) if m["type"] == "text"]
    assert "by 25 Jul 2026" in noted[-1]["content"]["text"]["body"]
    pause = chased.service.runtime.store.replies.pause_of(chased.tenant, _contact(chased))
    assert pause is not None
    assert (pause.kind, pause.promise_date) == ("promise", "2026-07-25")

    sent = len(await to_customer(chased))
    chased.clock.advance(13 * 86400)  # 27 July: promise day + grace (2 days): still paused
    await remind(chased)
    assert len(await to_customer(chased)) == sent
    chased.clock.advance(86400)  # 28 July: the day after, still unpaid: one reminder
    await remind(chased)
    templates = [
        m["template"]["name"] for m in await to_customer(chased) if m["type"] == "template"
    ]
    assert templates == ["payment_reminder", "payment_reminder"]
    chased.clock.advance(86400)
    await remind(chased)  # not again the next day
    assert len(await to_customer(chased)) == sent + 1


def _contact(stack: Stack) -> str:
    [reply] = stack.service.runtime.store.replies.to_review(limit=1)
    assert reply.contact_id is not None
    return reply.contact_id


async def test_stop_reminders_opts_out_and_is_confirmed_once(chased: Stack) -> None:
    await overdue(chased)
    await remind(chased)

    await answer(chased, button={"text": "Stop reminders", "payload": "Stop reminders"})
    await answer(chased, button={"text": "Stop reminders", "payload": "Stop reminders"})

    optouts = chased.service.runtime.store.optouts
    assert optouts.is_opted_out(chased.tenant, None, PHONE) is not None
    confirmations = [m for m in await to_customer(chased) if m["type"] == "text"]
    assert len(confirmations) == 1
    assert "no more payment reminders" in confirmations[0]["content"]["text"]["body"]
    chased.clock.advance(7 * 86400)
    report = await remind(chased)
    assert "opted_out" in report.skipped


async def test_outside_the_window_the_answer_is_a_template(chased: Stack) -> None:
    """The text is refused by the sandbox (131047, reported by a failed status) because the
    customer's message never reached its emulated number; the template follows."""
    await overdue(chased)
    await remind(chased)
    [reminder] = await to_customer(chased)
    tap = {
        "from": PHONE[1:],
        "id": "wamid.tap-outside-window",
        "timestamp": str(int(chased.clock.now().timestamp())),
        "type": "button",
        "context": {"from": "912261500000", "id": reminder["id"]},
        "button": {"text": "Stop reminders", "payload": "Stop reminders"},
    }
    body = _payload([tap])
    response = await chased.service.client.post(
        "/webhooks/whatsapp",
        content=body,
        headers=whatsapp_headers(body, chased.sandbox.config.whatsapp.app_secret),
    )
    assert response.status_code == 200
    await chased.service.worker.drain()
    chased.clock.advance(5)
    await chased.deliver()  # the failed status (131047) comes back
    await chased.service.worker.drain()
    chased.clock.advance(5)
    await chased.deliver()
    sent = await to_customer(chased)
    assert [m["type"] for m in sent] == ["template", "text", "template"]
    assert sent[-1]["template"]["name"] == "optout_confirmed"


def _payload(messages: list[dict[str, Any]]) -> bytes:
    senders = [m["from"] for m in messages if "from" in m]
    value = {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": "912261500000", "phone_number_id": "106540352242922"},
        "contacts": [{"profile": {"name": "Meera"}, "wa_id": wa_id} for wa_id in senders],
        "messages": messages,
    }
    body = {
        "object": "whatsapp_business_account",
        "entry": [{"id": "419561257915477", "changes": [{"field": "messages", "value": value}]}],
    }
    return json.dumps(body, separators=(",", ":")).encode()


@pytest.mark.parametrize(
    "message",
    [
        {
            "from": "919999911111",
            "id": "wamid.u1",
            "timestamp": "1783500000",
            "type": "text",
            "text": {"body": "who is this?"},
        },
        {
            "from": "919820077777",
            "id": "wamid.u2",
            "timestamp": "1783500000",
            "type": "button",
            "button": {"text": "Pay in crypto", "payload": "CRYPTO"},
        },
        {
            "from": "919820077777",
            "id": "wamid.u3",
            "timestamp": "1783500000",
            "type": "button",
            "context": {"id": "wamid.never-sent"},
            "button": {"text": "Remind me later", "payload": "LATER_42"},
        },
        {"id": "wamid.u4", "timestamp": "1783500000", "type": "text", "text": {"body": "STOP"}},
    ],
)
async def test_bad_replies_are_recorded_or_ignored_never_a_wrong_opt_out(
    chased: Stack, message: dict[str, Any]
) -> None:
    body = _payload([message])
    response = await chased.service.client.post(
        "/webhooks/whatsapp",
        content=body,
        headers=whatsapp_headers(body, chased.sandbox.config.whatsapp.app_secret),
    )
    assert response.status_code == 200
    await chased.service.worker.drain()
    store = chased.service.runtime.store
    assert store.optouts.all() == []
    assert await chased.messages(to=OWNER) == []
    found = store.replies.get(message["id"])
    if found is not None:  # recorded with what it was, matched to nobody
        assert found.intent == "text"
        assert found.outcome == "no open reminder"


async def test_a_status_for_a_message_never_sent_is_stored_not_acted_on(chased: Stack) -> None:
    status = {
        "id": "wamid.unknown",
        "status": "failed",
        "timestamp": "1783500000",
        "recipient_id": "919820077777",
        "biz_opaque_callback_data": "reply:nope:optout",
        "errors": [{"code": 131047, "title": "Re-engagement message"}],
    }
    value = {
        "messaging_product": "whatsapp",
        "metadata": {"phone_number_id": "106540352242922"},
        "statuses": [status],
    }
    body = json.dumps(
        {
            "object": "whatsapp_business_account",
            "entry": [
                {"id": "419561257915477", "changes": [{"field": "messages", "value": value}]}
            ],
        }
    ).encode()
    response = await chased.service.client.post(
        "/webhooks/whatsapp",
        content=body,
        headers=whatsapp_headers(body, chased.sandbox.config.whatsapp.app_secret),
    )
    assert response.status_code == 200
    assert chased.service.runtime.store.events.counts().get("queued", 0) == 0
