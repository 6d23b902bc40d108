"""The catch-up poll queues what webhooks missed; the worker turns it into alerts."""

from __future__ import annotations

import pytest

from tests.alerts.test_alerts_e2e import new_contact, new_invoice
from tests.service.conftest import Stack

pytestmark = pytest.mark.anyio


async def test_catch_up_poll_finds_what_webhooks_missed(stack: Stack) -> None:
    poller = stack.service.state.poller
    assert poller is not None
    assert await poller.poll_all() == 0  # first poll: only remembers the time
    stack.sandbox.config.xero.webhook_url = None  # webhooks are lost from here on
    contact_id = await new_contact(stack)
    invoice = await new_invoice(stack, contact_id)
    await stack.deliver()
    assert stack.service.runtime.store.events.counts()["queued"] == 0
    stack.clock.advance(900)
    assert await poller.poll_all() >= 1  # (the overlap may also catch the demo's own edits)
    queued = stack.service.runtime.store.events.list(("queued",))
    (event,) = [e for e in queued if e.resource_id == invoice["InvoiceID"]]
    assert event.source == "poll"
    assert event.payload is not None
    assert event.payload["InvoiceNumber"] == invoice["InvoiceNumber"]
    await stack.service.worker.drain()
    assert len(await stack.messages(template="invoice_new")) == 1
    stack.clock.advance(600)
    assert await poller.poll_all() == 0  # nothing changed since
    mark = stack.service.runtime.store.events.poll_mark(stack.tenant)
    assert mark == stack.clock.now()
