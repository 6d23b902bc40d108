"""An invoice → the template components of a "new invoice" or "payment received" message.

Each alert's template is configured by name (``XERO_WA_INVOICE_TEMPLATE``,
``XERO_WA_PAYMENT_TEMPLATE``); its body parameters, named or positional form and "View and
pay" button come from the template's declaration (``component.notify.templates``). For a
template of your own, set them: ``XERO_WA_INVOICE_TEMPLATE_PARAMS`` (names from
``component.notify.parameters``, in the template's order), ``…_NAMED`` and ``…_BUTTON``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from component import errors
from component.notify import parameters as params
from component.notify.locale import money
from component.notify.parameters import PARAMETERS, InvoiceFacts, MessageFacts
from component.notify.template_needs import need
from component.notify.templates import shipped
from component.service.config import ServiceConfig
from component.whatsapp import templates as tpl
from component.whatsapp.template_check import Requirement
from component.xero.dates import calendar_date

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
    declared = shipped(name)
    if raw is None and declared is None:
        raise errors.InputError.single(
            env, f"template {name!r} is not one the product ships: list its parameters"
        )
    names = (
        tuple(p.strip() for p in raw.split(",") if p.strip())
        if raw is not None
        else declared.parameters  # type: ignore[union-attr]
    )
    unknown = [p for p in names if p not in PARAMETERS or p in params.SEVERAL]
    if unknown:
        known = ", ".join(sorted(PARAMETERS - params.SEVERAL))
        raise errors.InputError.single(
            env, f"unknown parameter(s) {', '.join(unknown)}; known: {known}"
        )
    if named is None:
        named = declared.named if declared else False
    if button is None:
        button = declared.pay_link_button if declared else False
    return TemplateChoice(name, config.xero_wa_template_language, names, named, button)


def requirements(config: ServiceConfig, kinds: tuple[AlertKind, ...]) -> list[Requirement]:
    """The templates of the alert kinds that are on, as configured."""
    found = []
    for kind in kinds:
        choice = template_for(config, kind)
        used_by = "new-invoice alert" if kind == "invoice" else "payment thank-you"
        found.append(
            need(
                choice.name,
                choice.language,
                used_by,
                parameters=choice.params,
                named=choice.named,
                pdf=False,
                pay_link=choice.button,
            )
        )
    return found


def facts(
    invoice: dict[str, Any], party_name: str, locale: str, today: Any, link: str | None
) -> MessageFacts:
    """What the alert may say about ``invoice`` (a Xero invoice record)."""
    due = calendar_date(invoice, "DueDate")
    subject = InvoiceFacts(
        invoice_id=str(invoice.get("InvoiceID") or ""),
        number=str(invoice.get("InvoiceNumber") or ""),
        currency=str(invoice.get("CurrencyCode") or ""),
        amount_due=money(invoice.get("AmountDue")),
        due=due,
        days=(today - due).days if due is not None else 0,
        reference=str(invoice.get("Reference") or ""),
        amount_paid=money(invoice.get("AmountPaid")),
        total=money(invoice.get("Total")),
        issued=calendar_date(invoice, "Date"),
    )
    return MessageFacts(party_name, (subject,), locale, link)


def components(
    choice: TemplateChoice, subject: MessageFacts, *, suffix: str | None
) -> list[dict[str, Any]]:
    """Body parameters in the configured order, then the URL button when the template has one."""
    body = params.body(choice.params, subject, named=choice.named)
    buttons = [tpl.url_button(suffix)] if choice.button and suffix else []
    return tpl.components(body_params=body, buttons=buttons)
