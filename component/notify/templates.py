"""The message templates the product ships: each one's text, parameters, header and button.

This is the one declaration of them: the reminder policy and the alert settings name templates
and take their parameter lists from here (unless they name a template of the user's own), the
sandbox registers exactly these on its emulated WhatsApp account, ``remind --dry-run`` renders
their text, and ``xero-wa templates check|submit`` compares them with (or creates them on) the
WhatsApp Business Account.

``render`` fills a template's text with the parameters of a send, the way WhatsApp shows it:
text as sent, currency and date_time by their ``fallback_value``, then the footer and the
buttons. The text comes from the account's own listing when the run has it (it is what the
customer sees), else from this catalogue.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from component.notify.parameters import KINDS
from component.notify.wording import HINDI, Wording

PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z0-9_]+)\s*\}\}")
#: English (``en``, ``en_US``: one wording) and Hindi (``component.notify.wording``).
LANGUAGES = ("en", "en_US", "hi")
STOP_FOOTER = "Reply STOP to opt out"
#: The quick replies the shipped reminder templates carry.
REMINDER_QUICK_REPLIES = ("Paid already", "Need more time", "Stop reminders")


@dataclass(frozen=True)
class Template:
    """A template as registered: body text with ``{{1}}`` (or ``{{name}}``) placeholders."""

    name: str
    body: str
    parameters: tuple[str, ...]
    named: bool = False
    category: Literal["UTILITY", "MARKETING"] = "UTILITY"
    #: "DOCUMENT": the invoice PDF travels as the message's header.
    header: Literal["NONE", "DOCUMENT"] = "NONE"
    #: The label of the "View and pay" URL button (its URL: the pay-link base + a suffix).
    button: str | None = None
    footer: str | None = None
    #: Quick-reply buttons (after the URL button); a tap comes back as an inbound message.
    quick_replies: tuple[str, ...] = ()
    languages: tuple[str, ...] = LANGUAGES
    #: An example value per parameter, as Meta asks for when a template is submitted.
    examples: Mapping[str, str] = field(default_factory=dict)
    #: The wording in languages other than English (``hi``: ``wording.HINDI``).
    translations: Mapping[str, Wording] = field(default_factory=dict)

    @property
    def pay_link_button(self) -> bool:
        return self.button is not None

    def wording(self, language: str) -> Wording:
        """Body, footer and labels in ``language`` (English for ``en``, ``en_US`` and others)."""
        found = self.translations.get(language)
        if found is not None:
            return found
        return Wording(self.body, self.footer, self.button, self.quick_replies)


EXAMPLES = {
    "organisation": "Demo Company (IN)",
    "sent": "12",
    "skipped": "3",
    "failed": "1",
    "attention": "nothing",
    "party_name": "Priya Textiles",
    "invoice_number": "INV-0142",
    "amount": "₹48,500.00",
    "due_date": "7 July 2026",
    "days_overdue": "7",
    "total": "₹1,20,000.00",
    "invoice_summary": "2 overdue (INV-0142, INV-0145) and 1 due soon (INV-0150)",
    "reply_text": "Paid already (tapped the button)",
    "promise_max_days": "30",
    "promise_date": "15 December 2026",
}
_REMINDER = ("party_name", "invoice_number", "amount", "due_date", "days_overdue")

CATALOGUE: tuple[Template, ...] = (
    Template(
        "payment_reminder",
        "Hello {{1}}, invoice {{2}} for {{3}} was due on {{4}} and is now {{5}} days overdue. "
        "Please pay at your earliest convenience.",
        _REMINDER,
        button="View and pay",
        footer=STOP_FOOTER,
        quick_replies=REMINDER_QUICK_REPLIES,
        translations={"hi": HINDI["payment_reminder"]},
    ),
    # Meta has no optional headers: a DOCUMENT header must always be sent, so the PDF variant is
    # a template of its own, for policies that attach the invoice PDF.
    Template(
        "payment_reminder_pdf",
        "Hello {{1}}, invoice {{2}} for {{3}} was due on {{4}} and is now {{5}} days overdue. "
        "The invoice is attached to this message.",
        _REMINDER,
        header="DOCUMENT",
        button="View and pay",
        footer=STOP_FOOTER,
        quick_replies=REMINDER_QUICK_REPLIES,
        translations={"hi": HINDI["payment_reminder_pdf"]},
    ),
    Template(
        "payment_reminder_final",
        "Final reminder, {{1}}: invoice {{2}} for {{3}} was due on {{4}} and is {{5}} days "
        "overdue. Please pay today to avoid further action.",
        _REMINDER,
        button="View and pay",
        footer=STOP_FOOTER,
        quick_replies=REMINDER_QUICK_REPLIES,
        translations={"hi": HINDI["payment_reminder_final"]},
    ),
    # Several invoices of one contact in one message: the summary says which are overdue and
    # which are only due soon, by number, so the message is true for each of them.
    Template(
        "payment_reminder_multi",
        "Hello {{1}}, this is a reminder about your unpaid invoices totalling {{2}}: {{3}}. "
        "Please pay at your earliest convenience.",
        ("party_name", "total", "invoice_summary"),
        button="View and pay",
        footer=STOP_FOOTER,
        translations={"hi": HINDI["payment_reminder_multi"]},
    ),
    Template(
        "invoice_new",
        "Hello {{1}}, invoice {{2}} for {{3}} is due on {{4}}. You can view and pay it online "
        "with the button below.",
        ("party_name", "invoice_number", "amount", "due_date"),
        button="View invoice",
        translations={"hi": HINDI["invoice_new"]},
    ),
    Template(
        "payment_received",
        "Thank you {{party_name}}: we received {{amount}} for invoice {{invoice_number}}. "
        "We appreciate your prompt payment.",
        ("party_name", "amount", "invoice_number"),
        named=True,
        translations={"hi": HINDI["payment_received"]},
    ),
    # The owner's summary after each scheduled run (component/scheduler/summary.py): its
    # parameters are the run's counts, not invoice facts.
    Template(
        "run_summary",
        "Reminder run for {{1}} has finished: {{2}} sent, {{3}} skipped and {{4}} failed. "
        "Needs attention: {{5}}. Details are in the run history of xero-wa.",
        ("organisation", "sent", "skipped", "failed", "attention"),
        translations={"hi": HINDI["run_summary"]},
    ),
    # Replies (component/replies/): a customer's reply forwarded to the owner, and the answers
    # to the customer that go as templates when the 24-hour window is closed (inside it they go
    # as free-form text of the same meaning).
    Template(
        "customer_reply",
        "Hello, a customer of {{1}} replied to a payment reminder. {{2}} wrote about invoice "
        "{{3}}: {{4}}. Please follow up with them on WhatsApp.",
        ("organisation", "party_name", "invoice_number", "reply_text"),
        translations={"hi": HINDI["customer_reply"]},
    ),
    Template(
        "optout_confirmed",
        "Hello {{1}}, you will not receive any more payment reminders on WhatsApp. Reply START "
        "if you want to receive them again.",
        ("party_name",),
        translations={"hi": HINDI["optout_confirmed"]},
    ),
    Template(
        "promise_ask",
        "Hello {{1}}, thank you for letting us know about invoice {{2}}. Please reply with the "
        "date by which you will pay it, within the next {{3}} days.",
        ("party_name", "invoice_number", "promise_max_days"),
        translations={"hi": HINDI["promise_ask"]},
    ),
    Template(
        "promise_noted",
        "Thank you {{1}}. We have noted that you will pay invoice {{2}} by {{3}}, and we will "
        "not send you reminders before then.",
        ("party_name", "invoice_number", "promise_date"),
        translations={"hi": HINDI["promise_noted"]},
    ),
    Template(
        "paid_noted",
        "Thank you {{1}}. We have passed on that invoice {{2}} is paid, and reminders are paused "
        "while our accounts team checks the payment.",
        ("party_name", "invoice_number"),
        translations={"hi": HINDI["paid_noted"]},
    ),
)


def shipped(name: str) -> Template | None:
    """The catalogue's template of that name, if the product ships one."""
    return next((t for t in CATALOGUE if t.name == name), None)


def example(name: str) -> str:
    return EXAMPLES.get(
        name,
        {"currency": "₹48,500.00", "date_time": "7 July 2026"}.get(KINDS.get(name, ""), "example"),
    )


# ----------------------------------------------------------------------------- texts
@dataclass(frozen=True)
class Text:
    """What WhatsApp shows for one (template, language): body, footer and button labels."""

    body: str
    footer: str | None = None
    buttons: tuple[str, ...] = ()
    header: str = "NONE"


class Texts:
    """Template texts by (name, language): the account's listing first, then the catalogue."""

    def __init__(self, registered: Mapping[tuple[str, str], Text] | None = None) -> None:
        self.registered = dict(registered or {})

    @classmethod
    def from_listing(cls, listed: Iterable[Mapping[str, Any]]) -> Texts:
        """From ``GET /{waba}/message_templates`` (``WhatsAppClient.list_templates``)."""
        found: dict[tuple[str, str], Text] = {}
        for template in listed:
            comps = [c for c in template.get("components") or [] if isinstance(c, dict)]
            by_type = {str(c.get("type")): c for c in comps}
            buttons = by_type.get("BUTTONS", {}).get("buttons") or []
            found[(str(template.get("name")), str(template.get("language")))] = Text(
                body=str(by_type.get("BODY", {}).get("text") or ""),
                footer=by_type.get("FOOTER", {}).get("text"),
                buttons=tuple(str(b.get("text")) for b in buttons if isinstance(b, dict)),
                header=str(by_type.get("HEADER", {}).get("format") or "NONE"),
            )
        return cls(found)

    def get(self, name: str, language: str) -> Text | None:
        text = self.registered.get((name, language))
        if text is not None:
            return text
        template = shipped(name)
        if template is None or language not in template.languages:
            return None
        words = template.wording(language)
        buttons = ((words.button,) if words.button else ()) + words.quick_replies
        return Text(words.body, words.footer, buttons, template.header)


def render(
    text: Text | None,
    name: str,
    components: Sequence[Mapping[str, Any]],
    *,
    link: str | None = None,
) -> str:
    """The message as the customer reads it (lines: header, body, footer, buttons).

    ``link`` is the URL the button opens (shown after its label); without the template's text
    (a template of the user's own, no WhatsApp listing), or when the parameters do not fit it,
    the parameters are listed instead.
    """
    params = _body_params(components)
    header = _header(components)
    lines = [f"[{header}]"] if header else []
    if text is None or len(set(PLACEHOLDER.findall(text.body))) != len(params):
        shown = ", ".join(f"{key}={value}" for key, value in params)
        lines.append(f"(template {name}: {shown})")
    else:
        values = dict(params)
        lines.append(PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), text.body))
        if text.footer:
            lines.append(text.footer)
        for number, label in enumerate(text.buttons):
            url = link if number == 0 and link else None  # the URL button comes first
            lines.append(f"[{label}: {url}]" if url else f"[{label}]")
    return "\n".join(lines)


def _body_params(components: Sequence[Mapping[str, Any]]) -> list[tuple[str, str]]:
    body = next((c for c in components if c.get("type") == "body"), None)
    out = []
    for index, param in enumerate((body or {}).get("parameters") or [], 1):
        key = str(param.get("parameter_name") or index)
        out.append((key, _shown(param)))
    return out


def _shown(param: Mapping[str, Any]) -> str:
    kind = param.get("type")
    if kind in ("currency", "date_time"):
        return str((param.get(kind) or {}).get("fallback_value") or "")
    return str(param.get("text") or "")


def _header(components: Sequence[Mapping[str, Any]]) -> str:
    header = next((c for c in components if c.get("type") == "header"), None)
    for param in (header or {}).get("parameters") or []:
        document = param.get("document") or {}
        return f"PDF {document.get('filename') or 'document'}"
    return ""
