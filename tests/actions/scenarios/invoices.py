"""Invoice actions against the sandbox."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest

from component import errors
from component.values import Binary
from component.xero.dates import calendar_date
from tests.actions.scenarios import scenario
from tests.xero.sandboxed import Sandboxed

LINES = [
    {"Description": "Cotton fabric, 500 m", "Quantity": 500, "UnitAmount": 82, "AccountCode": "200"}
]


def a_contact_id(sb: Sandboxed) -> str:
    """An active customer with an email address (Send Invoice needs one)."""
    return next(
        c.contact_id for c in sb.org.contacts.values() if c.status == "ACTIVE" and "@" in c.email
    )


async def new_invoice(sb: Sandboxed, status: str = "AUTHORISED", **extra: Any) -> dict[str, Any]:
    data = await sb.run(
        "createInvoice",
        {
            "contactId": a_contact_id(sb),
            "invoiceType": "ACCREC",
            "lineAmountTypes": "Exclusive",
            "lineItems": LINES,
            "invoiceStatus": status,
            "date": "2026-07-01",
            "dueDate": "2026-07-31",
            **extra,
        },
    )
    invoice: dict[str, Any] = data["Invoices"][0]
    return invoice


@scenario("createInvoice", "getInvoice")
async def create_and_get(sb: Sandboxed) -> None:
    created = await new_invoice(sb, reference="PO-7781", currencyCode="INR")
    assert created["Status"] == "AUTHORISED"
    assert created["Total"] > created["SubTotal"] == 41000
    got = await sb.run("getInvoice", {"invoiceId": created["InvoiceID"]})
    assert got["Invoices"][0]["Reference"] == "PO-7781"
    assert sb.org.invoices[created["InvoiceID"]].number == created["InvoiceNumber"]


@scenario("updateInvoice")
async def update(sb: Sandboxed) -> None:
    draft = await new_invoice(sb, "DRAFT")
    data = await sb.run(
        "updateInvoice",
        {"invoiceId": draft["InvoiceID"], "reference": "PO-7781-R1", "dueDate": "2026-08-15"},
    )
    assert data["Invoices"][0]["Reference"] == "PO-7781-R1"
    assert sb.org.invoices[draft["InvoiceID"]].due_date == date(2026, 8, 15)


@scenario("voidInvoice")
async def void(sb: Sandboxed) -> None:
    invoice = await new_invoice(sb)
    data = await sb.run("voidInvoice", {"invoiceId": invoice["InvoiceID"]})
    assert data["Invoices"][0]["Status"] == "VOIDED"


@scenario("deleteInvoice")
async def delete(sb: Sandboxed) -> None:
    draft = await new_invoice(sb, "DRAFT")
    data = await sb.run("deleteInvoice", {"invoiceId": draft["InvoiceID"]})
    assert data["Invoices"][0]["Status"] == "DELETED"
    approved = await new_invoice(sb)
    with pytest.raises(errors.InputError) as info:
        await sb.run("deleteInvoice", {"invoiceId": approved["InvoiceID"]})
    assert "is AUTHORISED; only DRAFT or SUBMITTED invoices can be deleted" in info.value.message
    assert sb.org.invoices[approved["InvoiceID"]].status == "AUTHORISED"


@scenario("sendInvoice")
async def send(sb: Sandboxed) -> None:
    invoice = await new_invoice(sb)
    assert await sb.run("sendInvoice", {"invoiceId": invoice["InvoiceID"]}) is None
    assert sb.org.invoices[invoice["InvoiceID"]].sent_to_contact


@scenario("addNoteToInvoice", "getInvoiceHistory")
async def notes(sb: Sandboxed) -> None:
    invoice = await new_invoice(sb)
    note = "WhatsApp reminder sent to +91 98200 12345."
    added = await sb.run("addNoteToInvoice", {"invoiceId": invoice["InvoiceID"], "notes": note})
    assert added["HistoryRecords"][0]["Details"] == note
    history = await sb.run("getInvoiceHistory", {"invoiceId": invoice["InvoiceID"]})
    assert note in [r["Details"] for r in history["HistoryRecords"]]


@scenario("getOnlineInvoiceUrl")
async def online_url(sb: Sandboxed) -> None:
    invoice = await new_invoice(sb)
    data = await sb.run("getOnlineInvoiceUrl", {"invoiceId": invoice["InvoiceID"]})
    assert data["OnlineInvoices"][0]["OnlineInvoiceUrl"].startswith("http")


@scenario("getInvoicePdf")
async def pdf(sb: Sandboxed) -> None:
    invoice = await new_invoice(sb)
    data = await sb.run("getInvoicePdf", {"invoiceId": invoice["InvoiceID"]})
    assert isinstance(data, Binary)
    assert data.content_type == "application/pdf"
    assert data.data.startswith(b"%PDF")


@scenario("listInvoices")
async def list_invoices(sb: Sandboxed) -> None:
    first = await sb.run("listInvoices", {"page": "1"})
    assert len(first["Invoices"]) == 100
    everything = await sb.run("listInvoices", {"fetchAll": True})
    assert len(everything["Invoices"]) == everything["pagination"]["itemCount"] > 100
    authorised = await sb.run("listInvoices", {"where": 'Status=="AUTHORISED"', "fetchAll": True})
    assert {i["Status"] for i in authorised["Invoices"]} == {"AUTHORISED"}


@scenario("listOverdueInvoices")
async def overdue(sb: Sandboxed) -> None:
    data = await sb.run("listOverdueInvoices", {"minDaysOverdue": 1})
    today = sb.runtime.clock.now().date()  # 09:30 UTC is 15:00 the same day in India
    expected = {
        i.invoice_id
        for i in sb.org.invoices.values()
        if i.type == "ACCREC"
        and i.status == "AUTHORISED"
        and i.amount_due > 0
        and i.due_date is not None
        and i.due_date < today
    }
    assert expected
    assert {i["InvoiceID"] for i in data["Invoices"]} == expected
    a_week = await sb.run("listOverdueInvoices", {"minDaysOverdue": 7, "currency": "INR"})
    for invoice in a_week["Invoices"]:
        due = calendar_date(invoice, "DueDate")
        assert due is not None
        assert due <= today - timedelta(days=7)
        assert invoice["CurrencyCode"] == "INR"
