"""The HTTP service's entry points: STOP/START replies, status webhooks, paid invoices."""

from __future__ import annotations

from datetime import timedelta

import pytest

from component.reminders import hooks
from component.reminders import plan as p
from tests.reminders.conftest import TODAY, World

EMAIL = "POST /api.xro/2.0/Invoices/{InvoiceID}/Email"


@pytest.mark.anyio
async def test_stop_and_start_replies(world: World) -> None:
    priya = await world.customer("Priya Textiles", "98200 12345")
    await world.invoice(priya, "48500", TODAY - timedelta(days=7))
    assert hooks.handle_reply(world.runtime, "919820012345", " Stop ") == "stop"
    assert hooks.handle_reply(world.runtime, "919820012345", "thanks, paid today") is None
    assert (await world.run()).skipped == {p.OPTED_OUT: 1}
    assert hooks.handle_reply(world.runtime, "919820012345", "START") == "start"
    assert (await world.run()).sent == 1


@pytest.mark.anyio
async def test_a_status_settles_a_reminder_held_for_review(world: World) -> None:
    from component.storage.outbox import Item

    outbox = world.runtime.store.outbox
    outbox.claim("rem-1", kind="reminder", items=[Item(world.tenant_id, "inv", "overdue_7")])
    outbox.mark_sending("rem-1")
    status = {"id": "wamid.1", "status": "delivered", "biz_opaque_callback_data": "rem-1"}
    assert await hooks.on_status(world.runtime, world.xero, status) == "resolved"
    assert await hooks.on_status(world.runtime, world.xero, status) == "already settled"
    assert outbox.needs_review() == []
    assert await hooks.on_status(world.runtime, None, {"status": "read"}) == (
        "ignored: no callback data"
    )


@pytest.mark.anyio
async def test_a_failed_131026_status_emails_the_invoice(world: World) -> None:
    ghost = await world.customer("Ghost Traders", "99999 00000", EmailAddress="ap@ghost.example")
    await world.invoice(ghost, "7000", TODAY - timedelta(days=7))
    await world.run()
    [message] = world.messages()
    status = {
        "id": message["id"],
        "status": "failed",
        "biz_opaque_callback_data": message["biz_opaque_callback_data"],
        "errors": [{"code": 131026, "title": "Message undeliverable"}],
    }
    assert (
        await hooks.on_status(world.runtime, world.xero, status)
        == "undeliverable: 1 e-mail(s) sent"
    )
    assert (
        await hooks.on_status(world.runtime, world.xero, status)
        == "undeliverable: 0 e-mail(s) sent"
    )
    assert world.sandbox.state.calls.calls[EMAIL] == 1


@pytest.mark.anyio
async def test_a_paid_invoice_gets_no_more_reminders_until_resumed(world: World) -> None:
    priya = await world.customer("Priya Textiles")
    invoice_id = await world.invoice(priya, "48500", TODAY - timedelta(days=7))
    hooks.stop_invoice(world.runtime, world.tenant_id, invoice_id.upper())
    assert (await world.run()).skipped == {p.STOPPED: 1}
    hooks.resume_invoice(world.runtime, world.tenant_id, invoice_id)
    assert (await world.run()).sent == 1
