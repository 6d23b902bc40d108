"""Polling triggers (component/polling/engine.py) against the sandbox, on the injected clock:
the first run is quiet, every later change is reported exactly once (none missed, none twice,
including changes inside the overlap window), and "overdue by N days" reports each invoice once.
"""

from __future__ import annotations

from typing import Any

import pytest

from component.clock import FakeClock
from component.polling.runner import poll
from tests.actions.scenarios.invoices import a_contact_id, new_invoice
from tests.xero.sandboxed import Sandboxed

pytestmark = pytest.mark.anyio


async def run(sb: Sandboxed, key: str, **inputs: Any) -> Any:
    return await poll(sb.runtime, key, connection=sb.connection, inputs=inputs)


def ids(result: Any) -> list[str]:
    return [e["resourceId"] for e in result.events]


async def test_new_and_updated_invoices_no_duplicates_no_misses_first_run_quiet(
    sandboxed: Sandboxed, clock: FakeClock
) -> None:
    sb = sandboxed
    calls = len(sb.recording.answers)
    first = await run(sb, "newOrUpdatedInvoices")
    assert first.first_run
    assert first.events == []
    assert len(sb.recording.answers) == calls + 1, "the first run only records the present"
    clock.advance(60)
    a = await new_invoice(sb)
    clock.advance(30)
    second = await run(sb, "newOrUpdatedInvoices")
    assert not second.first_run
    assert ids(second) == [a["InvoiceID"]]
    event = second.events[0]
    assert event == {
        "resourceUrl": f"{sb.runtime.settings.xero_api_url}/Invoices/{a['InvoiceID']}",
        "resourceId": a["InvoiceID"],
        "eventDateUtc": event["eventDateUtc"],
        "eventType": "UPDATE",
        "eventCategory": "INVOICE",
        "tenantId": sb.org.tenant_id,
        "tenantType": "ORGANISATION",
    }
    assert second.records[0]["InvoiceID"] == a["InvoiceID"]
    clock.advance(30)
    assert ids(await run(sb, "newOrUpdatedInvoices")) == [], "nothing changed: nothing twice"
    # two changes inside the two-minute overlap of the last run, one of them to A again
    clock.advance(20)
    await sb.run("updateInvoice", {"invoiceId": a["InvoiceID"], "reference": "PO-1"})
    b = await new_invoice(sb)
    clock.advance(10)
    third = await run(sb, "newOrUpdatedInvoices")
    assert ids(third) == [a["InvoiceID"], b["InvoiceID"]]
    clock.advance(600)
    await sb.run("voidInvoice", {"invoiceId": b["InvoiceID"]})
    clock.advance(1)
    assert ids(await run(sb, "newOrUpdatedInvoices")) == [b["InvoiceID"]]
    assert ids(await run(sb, "newOrUpdatedInvoices")) == []
    state = sb.runtime.store.poll_state.get(sb.org.tenant_id, "newOrUpdatedInvoices")
    assert state is not None
    assert state.runs == 6
    assert set(state.seen) <= {a["InvoiceID"], b["InvoiceID"]}


async def test_a_change_in_the_same_second_as_the_last_run_is_not_missed(
    sandboxed: Sandboxed, clock: FakeClock
) -> None:
    sb = sandboxed
    await run(sb, "newOrUpdatedContacts")
    made = await sb.run("createContact", {"contactName": "Same Second Ltd"})
    contact_id = made["Contacts"][0]["ContactID"]
    assert ids(await run(sb, "newOrUpdatedContacts")) == [contact_id]
    clock.advance(0.2)  # the same second as that run (If-Modified-Since has whole seconds)
    await sb.run("archiveContact", {"contactId": contact_id})
    archived = await run(sb, "newOrUpdatedContacts")
    assert ids(archived) == [contact_id], "an archive is an update (archived contacts included)"
    assert archived.records[0]["ContactStatus"] == "ARCHIVED"


@pytest.mark.parametrize(
    ("key", "category"),
    [
        ("newOrUpdatedPayments", "PAYMENT"),
        ("newOrUpdatedCreditNotes", "CREDITNOTE"),
        ("newOrUpdatedQuotes", "QUOTE"),
        ("newOrUpdatedBankTransactions", "BANKTRANSACTION"),
    ],
)
async def test_each_record_type_is_reported_once(
    sandboxed: Sandboxed, clock: FakeClock, key: str, category: str
) -> None:
    sb = sandboxed
    assert (await run(sb, key)).first_run
    clock.advance(5)
    made = await make(sb, category)
    clock.advance(5)
    result = await run(sb, key)
    assert ids(result) == [made]
    assert result.events[0]["eventCategory"] == category
    assert ids(await run(sb, key)) == []


async def make(sb: Sandboxed, category: str) -> str:
    line = [{"Description": "x", "Quantity": 1, "UnitAmount": 100, "AccountCode": "200"}]
    contact = a_contact_id(sb)
    if category == "PAYMENT":
        invoice = await new_invoice(sb)
        data = await sb.run(
            "payInvoice",
            {"invoiceId": invoice["InvoiceID"], "accountId": "090", "paymentAmount": "10"},
        )
        return str(data["Payments"][0]["PaymentID"])
    if category == "CREDITNOTE":
        data = await sb.run(
            "createCreditNote",
            {"creditNoteType": "ACCRECCREDIT", "contactId": contact, "lineItems": line},
        )
        return str(data["CreditNotes"][0]["CreditNoteID"])
    if category == "QUOTE":
        data = await sb.run(
            "createQuote", {"contactId": contact, "date": "2026-07-14", "lineItems": line}
        )
        return str(data["Quotes"][0]["QuoteID"])
    bank = next(a for a in sb.org.accounts.values() if a.type == "BANK").account_id
    inputs = {
        "transactionType": "RECEIVE",
        "contactId": contact,
        "bankAccountId": bank,
        "lineItems": line,
    }
    data = await sb.run("createBankTransaction", inputs)
    return str(data["BankTransactions"][0]["BankTransactionID"])


async def test_invoice_overdue_by_n_days_reports_each_invoice_once(
    sandboxed: Sandboxed, clock: FakeClock
) -> None:
    sb = sandboxed
    first = await run(sb, "invoiceOverdue", days=3)
    assert first.first_run
    assert first.events == []
    already = sb.runtime.store.poll_state.get(sb.org.tenant_id, "invoiceOverdue")
    assert already is not None
    assert already.seen, "the invoices overdue today are recorded, not reported"
    today = clock.now().date()
    due = await new_invoice(sb, dueDate=today.isoformat())
    assert (await run(sb, "invoiceOverdue", days=3)).events == []
    clock.advance(3 * 86_400)
    sb.connection = sb.sandbox.token_connection()  # the old access token died long ago
    third = await run(sb, "invoiceOverdue", days=3)
    assert due["InvoiceID"] in ids(third)
    assert all(i not in already.seen for i in ids(third))
    assert due["InvoiceID"] not in ids(await run(sb, "invoiceOverdue", days=3))


async def test_a_webhook_trigger_cannot_be_polled(sandboxed: Sandboxed) -> None:
    from component import errors

    with pytest.raises(errors.InputError) as info:
        await run(sandboxed, "webhook")
    assert "newOrUpdatedInvoices" in info.value.problems[0].reason
