"""A planned reminder → the template name, language and components WhatsApp receives.

Body parameters are named in the policy (``parameters:``), in the template's order:

=================  ==========================================================================
party_name         the contact's name (text)
invoice_number     the invoice number (text)
invoice_numbers    every invoice number of a combined message, comma-separated (text)
amount             amount due: a currency parameter, fallback formatted for the locale
                   (₹48,500.00) and an exact ``amount_1000``
due_date           due date: a date_time parameter whose fallback reads "7 July 2026"
days_overdue       whole days past the due date (text; 0 before it is due)
days_until_due     whole days until the due date (text; 0 once it is due)
invoice_count      how many invoices a combined message covers (text)
total              their total: a currency parameter, or, when they are in several currencies,
                   a text listing each ("₹1,20,000.00 + $350.00"): a currency parameter carries
                   one ISO code, and one message per currency would break "one per contact"
=================  ==========================================================================

The header (invoice PDF) and the URL button (pay link suffix) are added when the stage asks for
them; ``run`` decides beforehand whether they are available (or falls back to the combined
template, which has neither).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from babel.core import Locale, UnknownLocaleError
from babel.numbers import format_currency

from component.reminders.plan import Due, Message
from component.reminders.policy import Parameter, Policy
from component.whatsapp import templates as tpl

MAX_LISTED_NUMBERS = 10


@dataclass(frozen=True)
class Composed:
    template: str
    language: str
    components: list[dict[str, Any]]
    #: One line for reports: "overdue_7 · INV-0142 · ₹48,500.00".
    summary: str


def message_locale(policy: Policy, org_country: str | None) -> str:
    """The policy's locale, else English as written in the organisation's country."""
    if policy.locale:
        return policy.locale
    country = (org_country or "").strip().upper()
    if country:
        try:
            Locale.parse(f"en_{country}")
        except (UnknownLocaleError, ValueError):
            return "en"
        return f"en_{country}"
    return "en"


def single(
    policy: Policy,
    message: Message,
    locale: str,
    *,
    link_suffix: str | None = None,
    media_id: str | None = None,
) -> Composed:
    """The stage's own template for a message about one invoice."""
    due = message.dues[0]
    stage = due.stage
    named = stage.named_parameters
    body = [_param(p, message, locale, named) for p in stage.parameters]
    header = None
    if stage.header == "pdf" and media_id is not None:
        header = [tpl.document(media_id=media_id, filename=pdf_name(due))]
    buttons = []
    if stage.button == "payLink" and link_suffix is not None:
        buttons.append(tpl.url_button(link_suffix))
    components = tpl.components(header_params=header, body_params=body, buttons=buttons)
    amount = _money(due.candidate.amount_due, due.candidate.currency, locale)
    summary = f"{stage.key} · {due.candidate.number} · {amount}"
    return Composed(stage.template, stage.language, components, summary)


def combined(policy: Policy, message: Message, locale: str) -> Composed:
    """The combined template: one message for all of the contact's invoices due now."""
    spec = policy.combined
    body = [_param(p, message, locale, spec.named_parameters) for p in spec.parameters]
    components = tpl.components(body_params=body)
    stages = sorted({d.stage.key for d in message.dues})
    summary = (
        f"{'+'.join(stages)} · {len(message.dues)} invoices · {total_text(message.dues, locale)}"
    )
    return Composed(spec.template, spec.language, components, summary)


def pdf_name(due: Due) -> str:
    safe = "".join(ch if ch.isalnum() or ch in "-_" else "-" for ch in due.candidate.number)
    return f"{safe or 'invoice'}.pdf"


def total_text(dues: tuple[Due, ...], locale: str) -> str:
    """Totals per currency (by currency code), joined with " + "."""
    totals = _totals(dues)
    return " + ".join(_money(amount, code, locale) for code, amount in totals)


def _param(name: Parameter, message: Message, locale: str, named: bool) -> dict[str, Any]:
    label = name if named else None
    due = message.dues[0]
    inv = due.candidate
    if name == "amount":
        return tpl.currency(inv.amount_due, inv.currency, locale, name=label)
    if name == "due_date":
        return tpl.date_time(inv.due, locale, name=label)
    if name == "total":
        totals = _totals(message.dues)
        if len(totals) == 1:
            code, amount = totals[0]
            return tpl.currency(amount, code, locale, name=label)
        return tpl.text(total_text(message.dues, locale), name=label)
    return tpl.text(_text_value(name, message), name=label)


def _text_value(name: Parameter, message: Message) -> str:
    due = message.dues[0]
    if name == "party_name":
        return message.contact_name or "customer"
    if name == "invoice_number":
        return due.candidate.number
    if name == "invoice_numbers":
        numbers = [d.candidate.number for d in message.dues]
        shown = ", ".join(numbers[:MAX_LISTED_NUMBERS])
        extra = len(numbers) - MAX_LISTED_NUMBERS
        return f"{shown} and {extra} more" if extra > 0 else shown
    if name == "days_overdue":
        return str(max(0, due.days))
    if name == "days_until_due":
        return str(max(0, -due.days))
    return str(len(message.dues))  # invoice_count


def _totals(dues: tuple[Due, ...]) -> list[tuple[str, Decimal]]:
    sums: dict[str, Decimal] = defaultdict(Decimal)
    for due in dues:
        sums[due.candidate.currency] += due.candidate.amount_due
    return sorted(sums.items())


def _money(amount: Decimal, code: str, locale: str) -> str:
    return str(format_currency(amount, code, locale=locale))
