"""One busy customer delays no one else (issue 10 item 13), on a clock where concurrent waits
take the time they ask for (``tests/virtual_clock.py``).

Seen before: after 10 new invoices for one customer, another customer's alert came 55 s after
its webhook was acknowledged, because the worker handled a batch one event at a time and each
alert to the busy customer waited for WhatsApp's per-recipient interval (about 6 s).
"""

from __future__ import annotations

import itertools
from datetime import datetime

import pytest

from component.alerts.invoices import outbox_key
from tests.alerts.test_alerts_e2e import new_contact, new_invoice
from tests.service.conftest import Stack
from tests.virtual_clock import VirtualClock

pytestmark = pytest.mark.anyio

ASHA, RAVI = "+919820012345", "+919820054321"


@pytest.fixture
def clock() -> VirtualClock:
    return VirtualClock()


async def drain_all(stack: Stack, clock: VirtualClock) -> None:
    """What ``xero-wa serve``'s worker does over time: drain, wait for the next due event."""
    events = stack.service.runtime.store.events
    while True:
        await stack.service.worker.drain()
        due = events.next_due()
        if due is None:
            return
        await clock.sleep(max(0.0, (due - clock.now()).total_seconds()))


def accepted(message: dict[str, object]) -> datetime:
    return datetime.fromisoformat(str(message["accepted_at"]))


async def test_ten_alerts_for_one_customer_do_not_delay_another_customers(
    stack: Stack, clock: VirtualClock
) -> None:
    async def setup() -> None:
        asha = await new_contact(stack, "Asha Textiles", "98200 12345")
        ravi = await new_contact(stack, "Ravi Traders", "98200 54321")
        for _ in range(10):
            await new_invoice(stack, asha)
        await new_invoice(stack, ravi)
        await stack.deliver()  # every webhook acknowledged: the events are queued

    await clock.run(setup())
    acknowledged = clock.now()
    await clock.run(stack.service.worker.drain())

    first = await stack.messages()
    [ravi] = [m for m in first if m["to"] == RAVI]
    assert (accepted(ravi) - acknowledged).total_seconds() < 1.0
    # two of Asha's alerts went (one waited its 6 s in the pacer); the rest wait their turn in
    # the queue, not in a worker
    assert sum(m["to"] == ASHA for m in first) == 2
    waiting = stack.service.runtime.store.events.list(("queued",))
    assert len(waiting) == 8
    assert all("turn in" in str(e.last_error) for e in waiting)

    await clock.run(drain_all(stack, clock))
    to_asha = sorted(accepted(m) for m in await stack.messages() if m["to"] == ASHA)
    assert len(to_asha) == 10
    gaps = [(b - a).total_seconds() for a, b in itertools.pairwise(to_asha)]
    assert all(6.0 <= gap < 7.0 for gap in gaps), gaps  # WhatsApp's pair rate, no slower
    done = stack.service.runtime.store.events.list(("done",))
    assert all(e.attempts == 1 for e in done)  # waiting for a turn is not a failed attempt


async def test_a_paid_invoice_in_the_same_batch_stops_before_any_send(stack: Stack) -> None:
    """The catch-up poll saw an invoice approved, then paid: the batch carries both records.
    The stop comes first, so no "new invoice" alert goes out for an invoice already paid."""
    from component.storage.events import NewEvent

    async def setup() -> dict[str, object]:
        asha = await new_contact(stack, "Asha Textiles", "98200 12345")
        return await new_invoice(stack, asha)

    invoice = await stack.clock.run(setup())  # type: ignore[attr-defined]
    approved = {**invoice, "UpdatedDateUTC": "/Date(1784000000000+0000)/"}
    paid = {
        **invoice,
        "Status": "PAID",
        "AmountDue": 0,
        "UpdatedDateUTC": "/Date(1784000060000+0000)/",
    }
    polled = [
        NewEvent(
            stack.tenant,
            "INVOICE",
            str(invoice["InvoiceID"]),
            "UPDATE",
            str(r["UpdatedDateUTC"]),
            source="poll",
            payload=r,
        )
        for r in (approved, paid)
    ]
    store = stack.service.runtime.store
    store.events.enqueue(polled, stack.clock.now())
    await stack.clock.run(stack.service.worker.drain())  # type: ignore[attr-defined]
    assert await stack.messages(template="invoice_new") == []
    item_key = outbox_key("invoice_new", stack.tenant, str(invoice["InvoiceID"]))
    assert store.outbox.get(item_key) is None
    assert store.outbox.stop_reason(stack.tenant, str(invoice["InvoiceID"]).lower()) == "paid"
