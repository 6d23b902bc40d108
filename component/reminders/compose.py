"""A planned reminder → the template name, language and components WhatsApp receives.

The body parameters are the stage's (or the combined template's), in the template's order, with
the values of ``component.notify.parameters``; the header (invoice PDF) and the URL button (the
pay link's suffix) are added when the template has them: ``send`` fetches them first, or falls
back as the policy says.

A message covers its invoices most overdue first: ``invoice_number``, ``due_date`` and the
combined message's pay link are the most overdue invoice's.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from component.notify import parameters as params
from component.notify.parameters import InvoiceFacts, MessageFacts
from component.reminders.plan import Due, Message
from component.reminders.policy import Policy
from component.whatsapp import templates as tpl


@dataclass(frozen=True)
class Composed:
    template: str
    language: str
    components: list[dict[str, Any]]
    #: One line for reports: "overdue_7 · INV-0142 · ₹48,500.00".
    summary: str


def ordered(message: Message) -> tuple[Due, ...]:
    """The message's invoices, most overdue first (then by number)."""
    return tuple(sorted(message.dues, key=lambda d: (-d.days, d.candidate.number)))


def facts(message: Message, locale: str, link: str | None = None) -> MessageFacts:
    invoices = tuple(
        InvoiceFacts(
            invoice_id=d.candidate.invoice_id,
            number=d.candidate.number,
            currency=d.candidate.currency,
            amount_due=d.candidate.amount_due,
            due=d.candidate.due,
            days=d.days,
        )
        for d in ordered(message)
    )
    return MessageFacts(message.contact_name, invoices, locale, link)


def single(
    policy: Policy,
    message: Message,
    locale: str,
    *,
    link: str | None = None,
    link_suffix: str | None = None,
    media_id: str | None = None,
) -> Composed:
    """The stage's own template for a message about one invoice."""
    due = message.dues[0]
    stage = due.stage
    body = params.body(
        stage.parameters or [], facts(message, locale, link), named=bool(stage.named_parameters)
    )
    header = None
    if stage.header == "pdf" and media_id is not None:
        header = [tpl.document(media_id=media_id, filename=pdf_name(due))]
    buttons = []
    if stage.button == "payLink" and link_suffix is not None:
        buttons.append(tpl.url_button(link_suffix))
    components = tpl.components(header_params=header, body_params=body, buttons=buttons)
    amount = params.total_text((facts(message, locale).invoices[0],), locale)
    summary = f"{stage.key} · {due.candidate.number} · {amount}"
    return Composed(stage.template, stage.language, components, summary)


def combined(
    policy: Policy,
    message: Message,
    locale: str,
    *,
    link: str | None = None,
    link_suffix: str | None = None,
) -> Composed:
    """The combined template: one message for all of the contact's invoices due now."""
    spec = policy.combined
    subject = facts(message, locale, link)
    body = params.body(spec.parameters or [], subject, named=bool(spec.named_parameters))
    buttons = []
    if spec.button == "payLink" and link_suffix is not None:
        buttons.append(tpl.url_button(link_suffix))
    components = tpl.components(body_params=body, buttons=buttons)
    stages = sorted({d.stage.key for d in message.dues})
    count = len(message.dues)
    summary = (
        f"{'+'.join(stages)} · {count} invoices · {params.total_text(subject.invoices, locale)}"
    )
    return Composed(spec.template, spec.language, components, summary)


def pdf_name(due: Due) -> str:
    safe = "".join(ch if ch.isalnum() or ch in "-_" else "-" for ch in due.candidate.number)
    return f"{safe or 'invoice'}.pdf"
