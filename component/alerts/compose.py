"""An invoice → the template components of a "new invoice" or "payment received" message.

The body parameters are configured by name, in the template's order
(``XERO_WA_INVOICE_TEMPLATE_PARAMS``, ``XERO_WA_PAYMENT_TEMPLATE_PARAMS``):

==============  ===========================================================================
party_name      the contact's name (text)
invoice_number  the invoice number (text)
reference       the invoice reference (text)
amount          amount due: a currency parameter (exact ``amount_1000``, formatted fallback)
amount_due      the same as ``amount``
amount_paid     amount paid so far (currency)
total           the invoice total (currency)
due_date        the due date: a date_time parameter ("7 July 2026")
invoice_date    the invoice date (date_time)
pay_link        Xero's online invoice URL as text (for templates without a URL button)
==============  ===========================================================================

A template with a "View and pay" URL button gets the part of the online invoice URL after
``XERO_WA_PAY_LINK_BASE`` as the button's suffix.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any, Literal

from babel.core import Locale, UnknownLocaleError

from component import errors
from component.service.config import ServiceConfig
from component.whatsapp import templates as tpl
from component.xero.dates import calendar_date

PARAMETERS = frozenset(
    {
        "party_name",
        "invoice_number",
        "reference",
        "amount",
        "amount_due",
        "amount_paid",
        "total",
        "due_date",
        "invoice_date",
        "pay_link",
    }
)
AlertKind = Literal["invoice", "payment"]


@dataclass(frozen=True)
class TemplateChoice:
    name: str
    language: str
    params: tuple[str, ...]
    named: bool
    button: bool

    @property
    def needs_link(self) -> bool:
        return self.button or "pay_link" in self.params


def template_for(config: ServiceConfig, kind: AlertKind) -> TemplateChoice:
    """The configured template of an alert kind; unknown parameter names are an InputError."""
    if kind == "invoice":
        name, raw, named, button = (
            config.xero_wa_invoice_template,
            config.xero_wa_invoice_template_params,
            config.xero_wa_invoice_template_named,
            config.xero_wa_invoice_template_button,
        )
        env = "XERO_WA_INVOICE_TEMPLATE_PARAMS"
    else:
        name, raw, named, button = (
            config.xero_wa_payment_template,
            config.xero_wa_payment_template_params,
            config.xero_wa_payment_template_named,
            config.xero_wa_payment_template_button,
        )
        env = "XERO_WA_PAYMENT_TEMPLATE_PARAMS"
    params = tuple(p.strip() for p in raw.split(",") if p.strip())
    unknown = [p for p in params if p not in PARAMETERS]
    if unknown:
        known = ", ".join(sorted(PARAMETERS))
        raise errors.InputError.single(
            env, f"unknown parameter(s) {', '.join(unknown)}; known: {known}"
        )
    return TemplateChoice(name, config.xero_wa_template_language, params, named, button)


def message_locale(config: ServiceConfig, org_country: str | None) -> str:
    """The configured locale, else English as written in the organisation's country."""
    if config.xero_wa_message_locale:
        return config.xero_wa_message_locale
    country = (org_country or "").strip().upper()
    if not country:
        return "en"
    try:
        Locale.parse(f"en_{country}")
    except (UnknownLocaleError, ValueError):
        return "en"
    return f"en_{country}"


def link_suffix(url: str | None, base: str) -> str | None:
    """The part of ``url`` after the button's fixed ``base`` (None when it is on another base)."""
    if not url or not url.startswith(base) or len(url) == len(base):
        return None
    return url[len(base) :]


def components(
    choice: TemplateChoice,
    invoice: dict[str, Any],
    party_name: str,
    locale: str,
    *,
    link: str | None,
    suffix: str | None,
) -> list[dict[str, Any]]:
    """Body parameters in the configured order, then the URL button when the template has one."""
    body = [_param(name, choice, invoice, party_name, locale, link) for name in choice.params]
    buttons = [tpl.url_button(suffix)] if choice.button and suffix else []
    return tpl.components(body_params=body, buttons=buttons)


def _param(
    name: str,
    choice: TemplateChoice,
    invoice: dict[str, Any],
    party_name: str,
    locale: str,
    link: str | None,
) -> dict[str, Any]:
    label = name if choice.named else None
    currency = str(invoice.get("CurrencyCode") or "")
    if name in ("amount", "amount_due", "amount_paid", "total"):
        field = {"amount": "AmountDue", "amount_due": "AmountDue", "amount_paid": "AmountPaid"}
        return tpl.currency(
            money(invoice.get(field.get(name, "Total"))), currency, locale, name=label
        )
    if name in ("due_date", "invoice_date"):
        day = _day(invoice, "DueDate" if name == "due_date" else "Date")
        return tpl.date_time(day, locale, name=label)
    values = {
        "party_name": party_name,
        "invoice_number": invoice.get("InvoiceNumber"),
        "reference": invoice.get("Reference"),
        "pay_link": link,
    }
    text = str(values.get(name) or "").strip() or "-"
    return tpl.text(text, name=label)


def money(value: Any) -> Decimal:
    try:
        return Decimal(str(value if value is not None else 0))
    except InvalidOperation:
        raise errors.UpstreamError(
            f"Xero sent an amount that is not a number: {value!r}", errors.UpstreamInfo("xero")
        ) from None


def _day(invoice: dict[str, Any], field: str) -> date:
    day = calendar_date(invoice, field)
    if day is None:
        raise errors.UpstreamError(
            f"invoice {invoice.get('InvoiceNumber')} has no {field}", errors.UpstreamInfo("xero")
        )
    return day
