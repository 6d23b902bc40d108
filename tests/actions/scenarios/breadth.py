"""The receivables-workflow actions against the sandbox: credit notes change what is owed,
quotes move through their statuses, bank transactions need a bank account, contact groups hold
the opt-out list, and reports come back in Xero's Rows/Cells structure."""

from __future__ import annotations

from typing import Any

import pytest

from component import errors
from component.values import Binary
from tests.actions.scenarios import scenario
from tests.actions.scenarios.invoices import a_contact_id, new_invoice
from tests.xero.sandboxed import Sandboxed

LINE = [{"Description": "Returned roll", "Quantity": 1, "UnitAmount": 1000, "AccountCode": "200"}]


async def credit_note(sb: Sandboxed, contact_id: str, status: str = "AUTHORISED") -> dict[str, Any]:
    data = await sb.run(
        "createCreditNote",
        {
            "creditNoteType": "ACCRECCREDIT",
            "contactId": contact_id,
            "lineItems": LINE,
            "status": status,
        },
    )
    note: dict[str, Any] = data["CreditNotes"][0]
    return note


@scenario("createCreditNote", "allocateCreditNote", "getCreditNote", "listCreditNotes")
async def credit_note_pays_part_then_all(sb: Sandboxed) -> None:
    invoice = await new_invoice(sb)
    note = await credit_note(sb, invoice["Contact"]["ContactID"])
    total = note["Total"]
    assert note["Status"] == "AUTHORISED"
    assert note["RemainingCredit"] == total
    stored = sb.org.invoices[invoice["InvoiceID"]]
    due_before = stored.amount_due
    await sb.run(
        "allocateCreditNote",
        {"creditNoteId": note["CreditNoteID"], "invoiceId": invoice["InvoiceID"], "amount": "100"},
    )
    assert stored.amount_due == round(due_before - 100, 2)
    assert stored.amount_credited == 100
    rest = str(round(total - 100, 2))
    await sb.run(
        "allocateCreditNote",
        {"creditNoteId": note["CreditNoteID"], "invoiceId": invoice["InvoiceID"], "amount": rest},
    )
    got = (await sb.run("getCreditNote", {"creditNoteId": note["CreditNoteID"]}))["CreditNotes"][0]
    assert got["Status"] == "PAID"
    assert got["RemainingCredit"] == 0
    assert len(got["Allocations"]) == 2
    listed = await sb.run("listCreditNotes", {"where": 'Status=="PAID"'})
    assert [n["CreditNoteID"] for n in listed["CreditNotes"]] == [note["CreditNoteID"]]
    with pytest.raises(errors.XeroWaError) as refused:
        await sb.run(
            "allocateCreditNote",
            {
                "creditNoteId": note["CreditNoteID"],
                "invoiceId": invoice["InvoiceID"],
                "amount": "1",
            },
        )
    assert "approved credit notes" in str(refused.value.details)


@scenario("voidCreditNote", "getCreditNotePdf")
async def void_and_pdf(sb: Sandboxed) -> None:
    note = await credit_note(sb, a_contact_id(sb))
    pdf = await sb.run("getCreditNotePdf", {"creditNoteId": note["CreditNoteID"]})
    assert isinstance(pdf, Binary)
    assert pdf.content_type == "application/pdf"
    assert pdf.data.startswith(b"%PDF")
    voided = await sb.run("voidCreditNote", {"creditNoteId": note["CreditNoteID"]})
    assert voided["CreditNotes"][0]["Status"] == "VOIDED"


@scenario("createQuote", "getQuote", "listQuotes", "updateQuoteStatus")
async def quote_lifecycle(sb: Sandboxed) -> None:
    contact_id = a_contact_id(sb)
    made = await sb.run(
        "createQuote",
        {
            "contactId": contact_id,
            "date": "2026-07-14",
            "expiryDate": "2026-07-28",
            "lineItems": LINE,
            "title": "Fabric",
        },
    )
    quote = made["Quotes"][0]
    assert quote["Status"] == "DRAFT"
    for status in ("SENT", "ACCEPTED"):
        moved = await sb.run("updateQuoteStatus", {"quoteId": quote["QuoteID"], "status": status})
        assert moved["Quotes"][0]["Status"] == status
    got = (await sb.run("getQuote", {"quoteId": quote["QuoteID"]}))["Quotes"][0]
    assert got["Status"] == "ACCEPTED"
    mine = await sb.run("listQuotes", {"contactId": contact_id, "status": "ACCEPTED"})
    assert [q["QuoteID"] for q in mine["Quotes"]] == [quote["QuoteID"]]
    with pytest.raises(errors.XeroWaError):
        await sb.run("updateQuoteStatus", {"quoteId": quote["QuoteID"], "status": "DRAFT"})


@scenario("listRepeatingInvoices", "getRepeatingInvoice")
async def repeating(sb: Sandboxed) -> None:
    listed = (await sb.run("listRepeatingInvoices"))["RepeatingInvoices"]
    assert listed
    one = await sb.run(
        "getRepeatingInvoice", {"repeatingInvoiceId": listed[0]["RepeatingInvoiceID"]}
    )
    assert one["RepeatingInvoices"][0]["Schedule"]["Unit"] == "MONTHLY"


@scenario("createBankTransaction", "getBankTransaction", "listBankTransactions")
async def bank_transactions(sb: Sandboxed) -> None:
    bank = next(a for a in sb.org.accounts.values() if a.type == "BANK")
    sales = next(a for a in sb.org.accounts.values() if a.code == "200")
    inputs = {
        "transactionType": "RECEIVE",
        "contactId": a_contact_id(sb),
        "lineItems": LINE,
        "reference": "Cash sale",
    }
    made = await sb.run("createBankTransaction", {**inputs, "bankAccountId": bank.account_id})
    tx = made["BankTransactions"][0]
    assert tx["BankAccount"]["AccountID"] == bank.account_id
    got = await sb.run("getBankTransaction", {"bankTransactionId": tx["BankTransactionID"]})
    assert got["BankTransactions"][0]["Total"] == tx["Total"]
    everything = await sb.run("listBankTransactions", {"fetchAll": True})
    assert tx["BankTransactionID"] in {
        t["BankTransactionID"] for t in everything["BankTransactions"]
    }
    with pytest.raises(errors.XeroWaError) as refused:
        await sb.run("createBankTransaction", {**inputs, "bankAccountId": sales.account_id})
    assert "Bank account is not valid" in str(refused.value.details)


@scenario("listContactGroups", "getContactGroup", "addContactsToGroup", "removeContactFromGroup")
async def contact_groups(sb: Sandboxed) -> None:
    first, second = [c for c in sb.org.contacts if sb.org.contacts[c].status == "ACTIVE"][:2]
    made = await sb.run(
        "rawRequest",
        {
            "method": "PUT",
            "url": "/ContactGroups",
            "data": '{"ContactGroups": [{"Name": "No WhatsApp reminders"}]}',
        },
    )
    group_id = made["ContactGroups"][0]["ContactGroupID"]
    await sb.run("addContactsToGroup", {"contactGroupId": group_id, "contactIds": [first, second]})
    members = (await sb.run("getContactGroup", {"contactGroupId": group_id}))["ContactGroups"][0][
        "Contacts"
    ]
    assert [m["ContactID"] for m in members] == [first, second]
    assert (
        await sb.run("removeContactFromGroup", {"contactGroupId": group_id, "contactId": first})
        is None
    )
    members = (await sb.run("getContactGroup", {"contactGroupId": group_id}))["ContactGroups"][0][
        "Contacts"
    ]
    assert [m["ContactID"] for m in members] == [second]
    listed = await sb.run("listContactGroups", {"where": 'Name=="No WhatsApp reminders"'})
    assert [g["ContactGroupID"] for g in listed["ContactGroups"]] == [group_id]


@scenario("listTaxRates", "listTrackingCategories", "listCurrencies", "listBrandingThemes")
async def settings(sb: Sandboxed) -> None:
    rates = (await sb.run("listTaxRates", {"where": 'TaxType=="OUTPUT"'}))["TaxRates"]
    assert [r["EffectiveRate"] for r in rates] == [18.0]
    categories = (await sb.run("listTrackingCategories"))["TrackingCategories"]
    assert [o["Name"] for o in categories[0]["Options"]] == ["North", "South", "West"]
    currencies = (await sb.run("listCurrencies"))["Currencies"]
    assert currencies[0]["Code"] == sb.org.base_currency
    themes = (await sb.run("listBrandingThemes"))["BrandingThemes"]
    assert [t["Name"] for t in themes] == ["Standard", "Special Projects"]


def section_values(report: dict[str, Any]) -> dict[str, str]:
    """Label → value of every Row/SummaryRow under the report's sections."""
    out = {}
    for row in report["Rows"]:
        for inner in row.get("Rows", []):
            cells = inner["Cells"]
            out[cells[0]["Value"]] = cells[-1]["Value"]
    return out


@scenario("getAgedReceivablesByContact")
async def aged_receivables(sb: Sandboxed) -> None:
    invoice = await new_invoice(sb)
    contact_id = invoice["Contact"]["ContactID"]
    data = await sb.run("getAgedReceivablesByContact", {"contactId": contact_id})
    report = data["Reports"][0]
    assert report["ReportID"] == "AgedReceivablesByContact"
    assert report["Rows"][0]["RowType"] == "Header"
    due = sum(
        i.amount_due
        for i in sb.org.invoices.values()
        if i.contact_id == contact_id and i.type == "ACCREC" and i.status == "AUTHORISED"
    )
    assert section_values(report)["Total"] == f"{due:.2f}"


@scenario(
    "getProfitAndLoss",
    "getBalanceSheet",
    "getTrialBalance",
    "getBankSummary",
    "getExecutiveSummary",
)
async def reports(sb: Sandboxed) -> None:
    pnl = (await sb.run("getProfitAndLoss", {"fromDate": "2020-01-01"}))["Reports"][0]
    values = section_values(pnl)
    assert float(values["Net Profit"]) == round(
        float(values["Total Income"]) - float(values["Total Operating Expenses"]), 2
    )
    sheet = (await sb.run("getBalanceSheet"))["Reports"][0]
    receivable = sum(
        i.amount_due
        for i in sb.org.invoices.values()
        if i.type == "ACCREC"
        and i.status == "AUTHORISED"
        and i.date <= sb.sandbox.clock.now().date()
    )
    assert section_values(sheet)["Accounts Receivable"] == f"{receivable:.2f}"
    trial = (await sb.run("getTrialBalance"))["Reports"][0]
    total = next(r for r in trial["Rows"][1]["Rows"] if r["RowType"] == "SummaryRow")["Cells"]
    assert total[1]["Value"] == total[2]["Value"], "debits equal credits"
    bank = (await sb.run("getBankSummary"))["Reports"][0]
    assert bank["Rows"][0]["Cells"][0]["Value"] == "Bank Accounts"
    summary = (await sb.run("getExecutiveSummary"))["Reports"][0]
    assert [s["Title"] for s in summary["Rows"][1:]] == ["Cash", "Profitability", "Balance Sheet"]


@scenario("listOverpayments", "listPrepayments")
async def over_and_prepayments(sb: Sandboxed) -> None:
    over = (await sb.run("listOverpayments", {"fetchAll": True}))["Overpayments"]
    assert [o["RemainingCredit"] for o in over] == [2500.0]
    pre = (await sb.run("listPrepayments", {"where": 'Status=="AUTHORISED"'}))["Prepayments"]
    assert [p["Type"] for p in pre] == ["RECEIVE-PREPAYMENT"]
