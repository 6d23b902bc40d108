"""Picklist labels: what a person reads in a dropdown."""

from __future__ import annotations

from component.xero.labels import (
    account_label,
    contact_label,
    invoice_label,
    item_label,
    money,
    payment_label,
)

INVOICE = {
    "Type": "ACCREC",
    "InvoiceNumber": "INV-0142",
    "Contact": {"Name": "Priya Textiles"},
    "Status": "AUTHORISED",
    "CurrencyCode": "INR",
    "Total": 48500.0,
    "AmountDue": 48500.0,
    "DueDate": "/Date(1783382400000+0000)/",
}


def test_an_approved_invoice_shows_number_contact_amount_due_and_due_date() -> None:
    assert invoice_label(INVOICE) == "INV-0142 · Priya Textiles · INR 48,500.00 due 7 Jul 2026"


def test_drafts_paid_invoices_and_bills_say_what_they_are() -> None:
    assert invoice_label({**INVOICE, "Status": "DRAFT"}) == (
        "INV-0142 · Priya Textiles · INR 48,500.00 draft"
    )
    assert invoice_label({**INVOICE, "Status": "PAID", "AmountDue": 0}) == (
        "INV-0142 · Priya Textiles · INR 48,500.00 paid"
    )
    bill = {**INVOICE, "Type": "ACCPAY", "InvoiceNumber": "", "Reference": ""}
    assert invoice_label(bill).startswith("Bill · Priya Textiles · ")


def test_amounts_use_the_currencys_own_decimals() -> None:
    assert money(1250000, "JPY") == "JPY 1,250,000"
    assert money("82.2", None) == "82.20"
    assert money(None, "INR") == ""


def test_contact_account_item_and_payment_labels() -> None:
    assert contact_label({"Name": "Priya Textiles", "EmailAddress": "a@p.in"}) == (
        "Priya Textiles · a@p.in"
    )
    assert contact_label(
        {"FirstName": "Kavya", "LastName": "Iyer", "ContactStatus": "ARCHIVED"}
    ) == ("Kavya Iyer · archived")
    assert account_label({"Code": "090", "Name": "ICICI Current", "Type": "BANK"}) == (
        "090 · ICICI Current · Bank"
    )
    assert item_label(
        {"Code": "COT-500", "Name": "Cotton", "SalesDetails": {"UnitPrice": 82.2}}
    ) == ("COT-500 · Cotton · 82.20")
    payment = {
        "Date": "/Date(1783468800000+0000)/",
        "Amount": 20000,
        "Invoice": {
            "InvoiceNumber": "INV-0142",
            "Contact": {"Name": "Priya Textiles"},
            "CurrencyCode": "INR",
        },
    }
    assert payment_label(payment) == "8 Jul 2026 · INV-0142 · Priya Textiles · INR 20,000.00"
    assert payment_label({**payment, "Status": "DELETED"}).endswith(" · reversed")
