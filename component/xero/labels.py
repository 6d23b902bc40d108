"""Picklist labels a person can choose from: ``INV-0142 · Priya Textiles · INR 48,500.00 due 7 Jul 2026``.

A GUID is useless in a dropdown. Each label leads with what people search by (number, name,
code), then what tells two similar entries apart (contact, amount, date, status). Amounts carry
their ISO currency code and the currency's own decimals (JPY has none); dates are written
day-month-year with a month name, which no reader misreads. Formatting comes from babel (CLDR).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation, localcontext
from typing import Any

from babel.dates import format_date
from babel.numbers import format_currency, format_decimal

from component.xero.dates import calendar_date

SEP = " · "
LOCALE = "en"
#: Decimal digits kept while formatting an amount: enough for any amount with its decimals.
MONEY_DIGITS = 40


def money(amount: Any, currency: str | None, locale: str = LOCALE) -> str:
    """``INR 48,500.00``; a bare grouped number when the currency is unknown.

    Babel rounds with the current decimal context (28 digits), which cannot hold two decimals of
    a 29-digit amount: those (which no real ledger holds, but a stored record may) are written
    as the number itself rather than failing the whole picklist.
    """
    number = _decimal(amount)
    if number is None:
        return ""
    try:
        with localcontext(prec=MONEY_DIGITS):
            if currency:
                return str(format_currency(number, currency, format="¤¤ #,##0.00", locale=locale))
            return str(format_decimal(number, format="#,##0.00", locale=locale))
    except InvalidOperation:
        return f"{currency} {number}" if currency else str(number)


def day(value: date | None, locale: str = LOCALE) -> str:
    """``7 Jul 2026``."""
    return "" if value is None else str(format_date(value, "d MMM y", locale=locale))


def invoice_label(invoice: dict[str, Any]) -> str:
    number = invoice.get("InvoiceNumber") or invoice.get("Reference") or _kind(invoice)
    contact = (invoice.get("Contact") or {}).get("Name")
    status = str(invoice.get("Status") or "").upper()
    currency = invoice.get("CurrencyCode")
    if status in ("DRAFT", "SUBMITTED", "VOIDED", "DELETED"):
        amount = f"{money(invoice.get('Total'), currency)} {status.lower()}".strip()
    elif status == "PAID":
        amount = f"{money(invoice.get('Total'), currency)} paid".strip()
    else:
        due = day(calendar_date(invoice, "DueDate"))
        amount = money(invoice.get("AmountDue"), currency)
        amount = f"{amount} due {due}" if due else amount
    return _join(number, contact, amount)


def contact_label(contact: dict[str, Any]) -> str:
    name = contact.get("Name") or _person(contact) or "(no name)"
    detail = (
        contact.get("EmailAddress") or contact.get("AccountNumber") or contact.get("ContactNumber")
    )
    archived = "archived" if str(contact.get("ContactStatus", "")).upper() == "ARCHIVED" else None
    return _join(name, detail, archived)


def account_label(account: dict[str, Any]) -> str:
    code = account.get("Code")
    name = account.get("Name") or "(no name)"
    kind = str(account.get("Type") or "").title() or None
    archived = "archived" if str(account.get("Status", "")).upper() == "ARCHIVED" else None
    return _join(code, name, kind, archived)


def item_label(item: dict[str, Any]) -> str:
    sales = item.get("SalesDetails") or {}
    price = money(sales.get("UnitPrice"), None) if sales.get("UnitPrice") is not None else None
    name = item.get("Name")
    return _join(item.get("Code"), name if name != item.get("Code") else None, price)


def payment_label(payment: dict[str, Any]) -> str:
    invoice = payment.get("Invoice") or {}
    when = day(calendar_date(payment, "Date"))
    number = invoice.get("InvoiceNumber") or payment.get("Reference")
    contact = (invoice.get("Contact") or {}).get("Name")
    currency = invoice.get("CurrencyCode")
    reversed_ = "reversed" if str(payment.get("Status", "")).upper() == "DELETED" else None
    return _join(when, number, contact, money(payment.get("Amount"), currency), reversed_)


def _join(*parts: Any) -> str:
    return SEP.join(str(p) for p in parts if p not in (None, ""))


def _person(contact: dict[str, Any]) -> str:
    return " ".join(p for p in (contact.get("FirstName"), contact.get("LastName")) if p)


def _kind(invoice: dict[str, Any]) -> str:
    return "Bill" if invoice.get("Type") == "ACCPAY" else "Invoice"


def _decimal(amount: Any) -> Decimal | None:
    if amount is None or isinstance(amount, bool):
        return None
    try:
        number = Decimal(str(amount))
    except InvalidOperation:
        return None
    return number if number.is_finite() else None
