"""Delivering one planned reminder: compose it, then the outbox protocol (``notify.outbox``).

    claim (intent)  →  pay link / PDF  →  pacer  →  sending  →  POST /messages  →  sent
                                                                              ↘  failed / unknown

A run killed anywhere before the request leaves leaves an ``intent``: the next run sends it
(none missed). Killed after, the message is held for review and never resent blindly; the
status webhook or the next run's ``reconcile`` settles it. An invoice paid while its reminder
waited for WhatsApp's pacing is not reminded: the last check before the request leaves sees the
stop (``cancelled``).

WhatsApp's refusals are sorted once (``notify.refusals``): a configuration error (template or
sender) stops every send it affects for the rest of the run and is reported once; 131026 (not
on WhatsApp) falls back to Xero's invoice e-mail; rate limits left after the client's paced
retries and transient errors leave the items open for a later run.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from component import errors
from component.notify import fallback, links
from component.notify import outbox as protocol
from component.notify.budget import OptionalCalls, XeroCalls
from component.notify.notes import Note, sent_note
from component.notify.templates import Texts, render
from component.reminders import compose
from component.reminders import plan as p
from component.reminders.blocks import Blocks, scope_of
from component.reminders.policy import Policy
from component.reminders.report import Entry, Report
from component.runtime import Runtime
from component.whatsapp.client import WhatsAppClient
from component.xero.client import XeroClient

log = logging.getLogger("xero_wa.reminders")

KIND = "reminder"
#: What a dry run shows for a link or PDF it does not fetch.
UNFETCHED_SUFFIX = "…"


@dataclass(frozen=True)
class Ready:
    """A composed message and the pay link its button opens (for the rendered text)."""

    composed: compose.Composed
    link: str | None = None


@dataclass
class Sender:
    """Everything one tenant's sends share."""

    runtime: Runtime
    xero: XeroClient
    whatsapp: WhatsAppClient | None
    policy: Policy
    locale: str
    run_id: str
    report: Report
    ration: OptionalCalls
    calls: XeroCalls
    blocks: Blocks
    texts: Texts = field(default_factory=Texts)
    dry_run: bool = False
    #: History notes, written after the sends.
    notes: list[Note] = field(default_factory=list)

    @property
    def base(self) -> str:
        return self.runtime.settings.xero_wa_pay_link_base

    async def deliver(self, message: p.Message) -> None:
        """Send ``message`` (or record why not); every outcome lands in the report."""
        block = self.blocks.blocking(*self._template(message))
        if block is not None:
            self._skipped(message, p.CONFIGURATION, f"{block.code}: {block.message}")
            block.stopped += 1
            return
        if self.dry_run:
            self._entry(message, "planned", await self._preview(message))
            self.report.planned += 1
            return
        envelope = self._envelope(message)
        claim = await protocol.claim(self.runtime, envelope)
        if not claim.granted:
            for item, reason in claim.blocked.items():
                self.report.skip(_reason_code(reason))
                log.info("outbox refused %s: %s", item, reason)
            return
        ready = await self._compose(message)
        if ready is None:
            await protocol.release(self.runtime, message.key)
            return
        await self._send(message, ready)

    # ------------------------------------------------------------------ composing
    def _template(self, message: p.Message) -> tuple[str, str]:
        if message.combined:
            return self.policy.combined.template, self.policy.combined.language
        stage = message.dues[0].stage
        return stage.template, stage.language

    def _needs_link(self, message: p.Message) -> bool:
        spec: Any = self.policy.combined if message.combined else message.dues[0].stage
        return bool(spec.button == "payLink" or "pay_link" in (spec.parameters or ()))

    async def gated(self, message: p.Message, reason: str, detail: str) -> None:
        """A dry run while sending is closed (quiet hours, not a business day): not sent now,
        but shown with its exact text, as the first run allowed to send would send it."""
        self.report.skip(reason, len(message.dues))
        self._entry(message, "skipped", await self._preview(message), reason=reason, detail=detail)

    async def _preview(self, message: p.Message) -> Ready:
        """A dry run shows the message as it would go out; it fetches no link and no PDF (a link
        already cached is shown, others as the base followed by "…")."""
        link = None
        if self._needs_link(message):
            for due in compose.ordered(message):
                cached = self.runtime.store.paylinks.get(
                    self.xero.session.tenant_id or "", due.candidate.invoice_id
                )
                if cached is not None and cached.url:
                    link = cached.url
                    break
        suffix = links.button_suffix(link, self.base) or UNFETCHED_SUFFIX
        shown = link or f"{self.base}{UNFETCHED_SUFFIX}"
        if message.combined:
            composed = compose.combined(
                self.policy, message, self.locale, link=shown, link_suffix=suffix
            )
            return Ready(composed, shown)
        media = "PDF" if message.dues[0].stage.header == "pdf" else None
        composed = compose.single(
            self.policy, message, self.locale, link=shown, link_suffix=suffix, media_id=media
        )
        return Ready(composed, shown)

    async def _compose(self, message: p.Message) -> Ready | None:
        link = suffix = None
        if self._needs_link(message):
            link, suffix, missing = await self._link(message)
            if missing:
                return self._when_missing(message, missing)
        if message.combined:
            return Ready(
                compose.combined(self.policy, message, self.locale, link=link, link_suffix=suffix),
                link,
            )
        due = message.dues[0]
        media = None
        if due.stage.header == "pdf" and self.whatsapp is not None:
            name = compose.pdf_name(due)
            media, missing = await links.pdf_media(
                self.xero, self.whatsapp, due.candidate.invoice_id, name, self.ration, self.calls
            )
            if missing:
                return self._when_missing(message, missing)
        composed = compose.single(
            self.policy, message, self.locale, link=link, link_suffix=suffix, media_id=media
        )
        return Ready(composed, link)

    def _when_missing(self, message: p.Message, missing: str) -> Ready | None:
        """No link (or PDF): skip until a later run, or the combined template when it has none."""
        combined = self.policy.combined
        if self.policy.pay_links.when_missing == "skip" or combined.button == "payLink":
            self._skipped(message, p.NO_PAY_LINK, missing)
            return None
        block = self.blocks.blocking(combined.template, combined.language)
        if block is not None:
            self._skipped(message, p.CONFIGURATION, f"{block.code}: {block.message}")
            return None
        return Ready(compose.combined(self.policy, message, self.locale))

    async def _link(self, message: p.Message) -> tuple[str | None, str | None, str]:
        """(link, button suffix, why missing): the most overdue invoice that has a link."""
        if not self.policy.pay_links.enabled:
            return None, None, "pay links are disabled by the policy"
        why = ""
        for due in compose.ordered(message):
            found = await links.pay_link(
                self.xero, due.candidate.invoice_id, self.ration, self.calls
            )
            suffix = links.button_suffix(found.url, self.base)
            if suffix is not None:
                return found.url, suffix, ""
            why = (
                found.why
                or f"the link {found.url} does not start with the button's base {self.base}"
            )
            if not found.definite:
                break  # the budget or Xero said "not now": the next run asks again
        return None, None, why

    # ------------------------------------------------------------------ sending
    def _envelope(self, message: p.Message) -> protocol.Envelope:
        return protocol.Envelope(
            key=message.key,
            kind=KIND,
            items=tuple(message.items),
            contact_id=message.contact_id,
            contact_name=message.contact_name,
            recipient=message.recipient,
            invoices=tuple(
                {
                    "id": d.candidate.invoice_id,
                    "number": d.candidate.number,
                    "stage": d.stage.key,
                    "amountDue": str(d.candidate.amount_due),
                    "currency": d.candidate.currency,
                }
                for d in message.dues
            ),
            run_id=self.run_id,
            extra={
                "emailFallback": self.policy.email_fallback.enabled,
                "reserveCalls": self.policy.xero_budget.reserve_calls,
            },
        )

    async def _send(self, message: p.Message, ready: Ready) -> None:
        whatsapp = self.whatsapp
        if whatsapp is None:
            raise errors.ConnectionError("sending reminders needs a WhatsApp connection")
        composed = ready.composed

        async def send(leaving: protocol.Leaving) -> str:
            result = await whatsapp.send_template(
                message.recipient,
                composed.template,
                composed.language,
                composed.components,
                callback_data=message.key,
                on_leaving=leaving,
                on_accepted=leaving.accepted,
            )
            return result.message_id

        outcome = await protocol.deliver(self.runtime, message.key, send)
        if outcome.sent:
            self._sent(message, ready, str(outcome.message_id))
        elif outcome.state == "cancelled":
            self.report.skip(_reason_code(outcome.reason), len(message.dues))
            self._entry(message, "skipped", ready, reason=p.STOPPED, detail=outcome.reason)
        else:
            await self._refused(message, ready, outcome)

    def _sent(self, message: p.Message, ready: Ready, message_id: str) -> None:
        self.report.sent += 1
        self.report.sent_invoices += len(message.dues)
        self.report.whatsapp_sends += 1
        self._entry(message, "sent", ready, message_id=message_id)
        if self.policy.history_notes.enabled:
            for due in message.dues:
                what = f"reminder {due.stage.key}"
                invoice = due.candidate.invoice_id
                self.notes.append(
                    sent_note(what, message.key, invoice, message.recipient, message_id)
                )

    async def _refused(self, message: p.Message, ready: Ready, outcome: protocol.Outcome) -> None:
        refusal = outcome.refusal
        assert refusal is not None
        if outcome.state == "unknown":
            self.report.review.append(message.key)
            self.report.fail("outcome_unknown")
            self._entry(message, "review", ready, reason="outcome_unknown", detail=refusal.message)
            return
        scope = scope_of(refusal, ready.composed.template, ready.composed.language)
        if scope is not None:
            self.blocks.add(scope, refusal.code, refusal.message, self.report)
            self._entry(message, "failed", ready, reason=p.CONFIGURATION, detail=refusal.message)
            return
        self.report.fail(refusal.code)
        self._entry(message, "failed", ready, reason=refusal.code, detail=refusal.message)
        if refusal.kind == "undeliverable" and self.policy.email_fallback.enabled:
            emailed = await fallback.email_invoices(
                self.runtime, self.xero, message.key, self.ration, self.calls
            )
            self.report.emails += emailed.sent
            for _ in range(emailed.failed):
                self.report.fail("email_fallback")
            for warning in emailed.warnings:
                self.report.warn(warning)

    # ------------------------------------------------------------------ reporting
    def _skipped(self, message: p.Message, reason: str, detail: str) -> None:
        self.report.skip(reason, len(message.dues))
        self._entry(message, "skipped", None, reason=reason, detail=detail)

    def _entry(self, message: p.Message, outcome: str, ready: Ready | None, **extra: Any) -> None:
        if not self.report.keep_entries:
            return
        composed = ready.composed if ready else None
        text = ""
        if ready is not None and composed is not None:
            text = render(
                self.texts.get(composed.template, composed.language),
                composed.template,
                composed.components,
                link=ready.link,
            )
        self.report.add(
            Entry(
                tenant=self.xero.session.tenant_id or "",
                contact=message.contact_name,
                outcome=outcome,
                invoices=[d.candidate.number for d in compose.ordered(message)],
                stage="+".join(sorted({d.stage.key for d in message.dues})),
                recipient=message.recipient,
                template=composed.template if composed else None,
                summary=composed.summary if composed else "",
                text=text,
                **extra,
            )
        )


def _reason_code(reason: str) -> str:
    if reason.startswith("stopped"):
        return p.STOPPED
    if "review" in reason or "sending" in reason:
        return p.NEEDS_REVIEW
    if "failed" in reason:
        return p.FAILED_BEFORE
    return p.ALREADY_SENT
