"""Template body parameters: the one vocabulary every message uses, and their values.

A template's body parameters are named in its declaration (``notify.templates``) or, for a
template of the user's own, in the reminder policy or the alert settings. Each name means the
same thing everywhere:

================  =========  ====================================================================
name              type       value
================  =========  ====================================================================
party_name        text       the contact's name
invoice_number    text       the invoice number (the most overdue one, for several)
invoice_numbers   text       every invoice number of the message, "INV-1, INV-2 and 3 more"
invoice_summary   text       what each invoice is: "2 overdue (INV-1, INV-2) and 1 due soon
                             (INV-3)": a combined message stays true for every invoice
invoice_count     text       how many invoices the message covers
overdue_count     text       how many of them are overdue
due_soon_count    text       how many are not overdue yet (due today or soon)
reference         text       the invoice's reference
amount            currency   the amount still due on the invoice (exact ``amount_1000``)
amount_due        currency   the same as ``amount``
amount_paid       currency   the amount paid so far
invoice_total     currency   the invoice's total
total             currency   the amounts still due, added up (a text listing each currency,
                             "₹1,20,000.00 + $350.00", when there are several: a currency
                             parameter carries one ISO code)
due_date          date_time  the due date ("7 July 2026")
invoice_date      date_time  the invoice date
days_overdue      text       whole days past the due date (0 before it)
days_until_due    text       whole days until the due date (0 once it is due)
pay_link          text       Xero's online invoice URL (for templates without a URL button)
================  =========  ====================================================================

What a parameter needs must be known for the message: the reminder job knows each invoice's
number, due date and amount due (``REMINDER_PARAMETERS``); an alert knows the whole invoice.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, Literal

from component.notify.locale import format_money
from component.whatsapp import templates as tpl

Kind = Literal["text", "currency", "date_time"]

KINDS: dict[str, Kind] = {
    "party_name": "text",
    "invoice_number": "text",
    "invoice_numbers": "text",
    "invoice_summary": "text",
    "invoice_count": "text",
    "overdue_count": "text",
    "due_soon_count": "text",
    "reference": "text",
    "amount": "currency",
    "amount_due": "currency",
    "amount_paid": "currency",
    "invoice_total": "currency",
    "total": "currency",
    "due_date": "date_time",
    "invoice_date": "date_time",
    "days_overdue": "text",
    "days_until_due": "text",
    "pay_link": "text",
}
PARAMETERS = frozenset(KINDS)
#: What the reminder job can fill (its invoice list holds number, due date and amount due).
REMINDER_PARAMETERS = PARAMETERS - {"reference", "amount_paid", "invoice_total", "invoice_date"}
#: Parameters that describe several invoices: only the combined message has them.
SEVERAL = frozenset(
    {"invoice_numbers", "invoice_summary", "invoice_count", "overdue_count", "due_soon_count"}
)
#: Parameters that make a message about several invoices true for each of them.
TRUTHFUL_MIX = (frozenset({"invoice_summary"}), frozenset({"overdue_count", "due_soon_count"}))
MAX_LISTED_NUMBERS = 10


@dataclass(frozen=True)
class InvoiceFacts:
    """What a message may say about one invoice."""

    invoice_id: str
    number: str
    currency: str
    amount_due: Decimal
    due: date | None
    #: Whole days past the due date on the day of the message (negative before it).
    days: int = 0
    reference: str = ""
    amount_paid: Decimal = Decimal(0)
    total: Decimal | None = None
    issued: date | None = None

    @property
    def overdue(self) -> bool:
        return self.days > 0


@dataclass(frozen=True)
class MessageFacts:
    """One message's subject: its contact, its invoices (most overdue first) and pay link."""

    party_name: str
    invoices: tuple[InvoiceFacts, ...]
    locale: str
    link: str | None = None


def body(names: Sequence[str], facts: MessageFacts, *, named: bool) -> list[dict[str, Any]]:
    """The body parameters, in the template's order; ValueError when one cannot be filled."""
    return [value(name, facts, named=named) for name in names]


def value(name: str, facts: MessageFacts, *, named: bool) -> dict[str, Any]:
    """One parameter in the Cloud API's shape (text, currency or date_time)."""
    label = name if named else None
    first = facts.invoices[0]
    kind = KINDS[name]
    if kind == "currency":
        if name == "total":
            totals = totals_by_currency(facts.invoices)
            if len(totals) > 1:
                return tpl.text(total_text(facts.invoices, facts.locale), name=label)
            code, amount = totals[0]
            return tpl.currency(amount, code, facts.locale, name=label)
        amount = {
            "amount": first.amount_due,
            "amount_due": first.amount_due,
            "amount_paid": first.amount_paid,
            "invoice_total": first.total if first.total is not None else first.amount_due,
        }[name]
        return tpl.currency(amount, first.currency, facts.locale, name=label)
    if kind == "date_time":
        day = first.due if name == "due_date" else first.issued
        if day is None:
            raise ValueError(f"invoice {first.number} has no {name.replace('_', ' ')}")
        return tpl.date_time(day, facts.locale, name=label)
    return tpl.text(_text(name, facts) or "-", name=label)


def _text(name: str, facts: MessageFacts) -> str:
    first = facts.invoices[0]
    numbers = [i.number for i in facts.invoices]
    overdue = sum(1 for i in facts.invoices if i.overdue)
    values = {
        "party_name": facts.party_name or "customer",
        "invoice_number": first.number,
        "invoice_numbers": listed(numbers),
        "invoice_summary": summary(facts.invoices),
        "invoice_count": str(len(facts.invoices)),
        "overdue_count": str(overdue),
        "due_soon_count": str(len(facts.invoices) - overdue),
        "reference": first.reference,
        "days_overdue": str(max(0, first.days)),
        "days_until_due": str(max(0, -first.days)),
        "pay_link": facts.link or "",
    }
    return values[name].strip()


def listed(numbers: Sequence[str], limit: int = MAX_LISTED_NUMBERS) -> str:
    """``INV-1, INV-2 and 3 more``."""
    shown = ", ".join(numbers[:limit])
    extra = len(numbers) - limit
    return f"{shown} and {extra} more" if extra > 0 else shown


def summary(invoices: Sequence[InvoiceFacts]) -> str:
    """``2 overdue (INV-1, INV-2), 1 due today (INV-3) and 1 due soon (INV-4)``."""
    groups = (
        ("overdue", [i.number for i in invoices if i.days > 0]),
        ("due today", [i.number for i in invoices if i.days == 0]),
        ("due soon", [i.number for i in invoices if i.days < 0]),
    )
    parts = [f"{len(n)} {label} ({listed(n)})" for label, n in groups if n]
    return parts[0] if len(parts) == 1 else f"{', '.join(parts[:-1])} and {parts[-1]}"


def totals_by_currency(invoices: Sequence[InvoiceFacts]) -> list[tuple[str, Decimal]]:
    sums: dict[str, Decimal] = defaultdict(Decimal)
    for invoice in invoices:
        sums[invoice.currency] += invoice.amount_due
    return sorted(sums.items())


def total_text(invoices: Sequence[InvoiceFacts], locale: str) -> str:
    """Totals per currency (by currency code), joined with " + "."""
    return " + ".join(
        format_money(amount, code, locale) for code, amount in totals_by_currency(invoices)
    )
