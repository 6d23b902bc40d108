"""What WhatsApp and Xero tell the service, as the reminder job then sees it: STOP/START replies,
statuses settling a reminder held for review, 131026 e-mailing the invoice, paid invoices."""

from __future__ import annotations

from datetime import timedelta

import pytest

from component.alerts.invoices import stop
from component.notify.fallback import on_undeliverable
from component.notify.inbound import FALLBACK_CATEGORY, on_inbound, on_status
from component.reminders import plan as p
from component.storage.outbox_reads import Item
from component.whatsapp.payload import Inbound, StatusUpdate
from tests.reminders.conftest import TODAY, World
from tests.storage import postgres_backends

# Every test that takes the ``world`` runs on SQLite and on PostgreSQL
# (tests/storage/postgres_backends.py).
settings = postgres_backends.settings
store_backend = postgres_backends.store_backend

EMAIL = "POST /api.xro/2.0/Invoices/{InvoiceID}/Email"


def reply(text: str, sender: str = "919820012345") -> Inbound:
    return Inbound(wamid="wamid.in", sender=sender, text=text)


def status(state: str, key: str | None, wamid: str = "wamid.1", **extra: object) -> StatusUpdate:
    errors = [{"code": 131026, "title": "Message undeliverable"}] if state == "failed" else []
    return StatusUpdate(wamid, state, "1784000000", "919820012345", errors, key)


@pytest.mark.anyio
async def test_stop_and_start_replies(world: World) -> None:
    priya = await world.customer("Priya Textiles", "98200 12345")
    await world.invoice(priya, "48500", TODAY - timedelta(days=7))
    assert on_inbound(world.runtime, reply(" Stop ")) == "stop"
    assert on_inbound(world.runtime, reply("thanks, paid today")) == "reply"
    assert (await world.run()).skipped == {p.OPTED_OUT: 1}
    assert on_inbound(world.runtime, reply("UNSTOP")) == "start"
    assert (await world.run()).sent == 1


@pytest.mark.anyio
async def test_a_status_settles_a_reminder_held_for_review(world: World) -> None:
    outbox = world.runtime.store.outbox
    outbox.claim("rem-1", kind="reminder", items=[Item(world.tenant_id, "inv", "overdue_7")])
    outbox.mark_sending("rem-1")
    assert on_status(world.runtime, status("delivered", "rem-1")) == "resolved"
    assert on_status(world.runtime, status("delivered", "rem-1")) == "duplicate"
    assert on_status(world.runtime, status("read", "rem-1", "wamid.2")) == "stored"
    assert outbox.needs_review() == []
    assert on_status(world.runtime, status("read", None, "wamid.3")) == "stored"


@pytest.mark.anyio
async def test_a_failed_131026_status_emails_the_invoice(world: World) -> None:
    ghost = await world.customer("Ghost Traders", "99999 00000", EmailAddress="ap@ghost.example")
    await world.invoice(ghost, "7000", TODAY - timedelta(days=7))
    await world.run()
    [message] = world.messages()
    key = message["biz_opaque_callback_data"]
    failed = status("failed", key, message["id"])
    assert on_status(world.runtime, failed) == "stored; e-mail fallback queued"
    [queued] = world.runtime.store.events.list(("queued",))
    assert (queued.category, queued.resource_id) == (FALLBACK_CATEGORY, key)
    # the worker runs the fallback; a second delivery of the event e-mails nothing more
    assert await on_undeliverable(world.runtime, world.xero, key) == 1
    assert await on_undeliverable(world.runtime, world.xero, key) == 0
    assert world.sandbox.state.calls.calls[EMAIL] == 1


@pytest.mark.anyio
async def test_a_paid_invoice_gets_no_more_reminders_until_resumed(world: World) -> None:
    priya = await world.customer("Priya Textiles")
    invoice_id = await world.invoice(priya, "48500", TODAY - timedelta(days=7))
    paid = {"Type": "ACCREC", "Status": "PAID", "InvoiceID": invoice_id.upper()}
    assert await stop(world.runtime, world.tenant_id, paid) == "paid"
    assert (await world.run()).skipped == {p.STOPPED: 1}
    world.runtime.store.outbox.resume_subject(world.tenant_id, invoice_id)
    assert (await world.run()).sent == 1
