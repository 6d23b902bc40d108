"""The polling runner (component/polling/runner.py): the organisation chosen by name, and
invoice/contact events queued for the alerts worker exactly like webhook events."""

from __future__ import annotations

import pytest

from component.clock import FakeClock
from component.polling.runner import poll, polling_triggers
from tests.actions.scenarios.invoices import new_invoice
from tests.xero.sandboxed import Sandboxed

pytestmark = pytest.mark.anyio


async def test_events_are_queued_for_the_worker_like_webhook_events(
    sandboxed: Sandboxed, clock: FakeClock
) -> None:
    sb = sandboxed
    assert polling_triggers(sb.runtime) == [
        "invoiceOverdue",
        "newOrUpdatedBankTransactions",
        "newOrUpdatedContacts",
        "newOrUpdatedCreditNotes",
        "newOrUpdatedInvoices",
        "newOrUpdatedPayments",
        "newOrUpdatedQuotes",
    ]
    await poll(sb.runtime, "newOrUpdatedInvoices", connection=sb.connection, queue=True)
    clock.advance(5)
    invoice = await new_invoice(sb)
    clock.advance(5)
    result = await poll(sb.runtime, "newOrUpdatedInvoices", connection=sb.connection, queue=True)
    assert [e["resourceId"] for e in result.events] == [invoice["InvoiceID"]]
    queued = sb.runtime.store.events.claim("test-owner", sb.runtime.clock.now(), 60, 10)
    assert [(e.category, e.resource_id, e.tenant_id) for e in queued] == [
        ("INVOICE", invoice["InvoiceID"], sb.org.tenant_id)
    ]


async def test_the_organisation_is_chosen_by_name(sandboxed: Sandboxed) -> None:
    sb = sandboxed
    other = next(o for o in sb.sandbox.state.xero.orgs.values() if o is not sb.org)
    result = await poll(
        sb.runtime, "newOrUpdatedContacts", connection=sb.connection, org=other.name.upper()
    )
    assert result.org == other.tenant_id
    assert result.first_run
