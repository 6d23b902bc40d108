"""Delivering one planned reminder through the outbox: at most once, and never lost.

The order is what makes a killed run safe to run again::

    claim (intent)  →  links / PDF  →  mark_sending  →  POST /messages  →  mark_sent
                                                                        ↘  mark_failed / mark_unknown

- killed before ``mark_sending``: nothing left the process; the next run claims the same items
  again (the key is derived from them) and sends: none missed;
- killed after ``mark_sending``: the message may exist. The next run sees "needs review" and does
  not resend (WhatsApp has no idempotency key): no duplicate. The status webhook, which carries
  the outbox key as ``biz_opaque_callback_data``, or the client's record of accepted messages,
  settles it later (``run.reconcile``).

WhatsApp's refusals are sorted by Meta's code: a configuration error (template missing or not
approved, token, account) stops every send it affects for the rest of the run and is reported
once; 131026 (not on WhatsApp) falls back to Xero's invoice e-mail; rate limits left after the
client's paced retries and transient errors leave the items open for a later run.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass, field
from typing import Any

from component import errors
from component.reminders import compose, fallback
from component.reminders import plan as p
from component.reminders.budget import OptionalCalls, XeroCalls
from component.reminders.paylinks import button_suffix, pay_link, pdf_media
from component.reminders.policy import Policy
from component.reminders.report import ConfigProblem, Entry, Report
from component.runtime import Runtime
from component.storage.outbox import OutboxRepo
from component.whatsapp import errors as wa
from component.whatsapp.client import WhatsAppClient
from component.xero.client import XeroClient

log = logging.getLogger("xero_wa.reminders")

KIND = "reminder"
#: Meta codes that are wrong for one template (name, language, parameters): other templates go on.
TEMPLATE_CODES = frozenset(
    {100, 131008, 131009, 132000, 132001, 132005, 132007, 132012, 132015, 132016, 132068, 132069}
)
#: Codes about one recipient only: that message fails, the others go on.
RECIPIENT_CODES = frozenset({131021, 131030, 130497})
SENDER = "sender"


@dataclass
class Blocks:
    """Configuration errors met in this run, by scope ("sender" or "template name/lang")."""

    problems: dict[str, ConfigProblem] = field(default_factory=dict)

    def blocking(self, template: str, language: str) -> ConfigProblem | None:
        return self.problems.get(SENDER) or self.problems.get(template_scope(template, language))

    def add(self, scope: str, code: str, message: str, report: Report) -> None:
        problem = self.problems.get(scope)
        if problem is None:
            problem = self.problems[scope] = ConfigProblem(code, scope, message)
            report.configuration.append(problem)
        else:
            problem.stopped += 1


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
    dry_run: bool = False
    #: (invoice id, note text) for history notes, written after the sends.
    notes: list[tuple[str, str, str]] = field(default_factory=list)

    @property
    def outbox(self) -> OutboxRepo:
        return self.runtime.store.outbox

    @property
    def tenant_name(self) -> str:
        return self.xero.session.tenant_id or ""

    async def deliver(self, message: p.Message) -> None:
        """Send ``message`` (or record why not); every outcome lands in the report."""
        template = self._template(message)
        block = self.blocks.blocking(*template)
        if block is not None:
            self._skipped(message, p.CONFIGURATION, f"{block.code}: {block.message}")
            block.stopped += 1
            return
        if self.dry_run:
            composed = self._preview(message)
            self._entry(message, "planned", composed)
            self.report.planned += 1
            return
        claim = self.outbox.claim(
            message.key,
            kind=KIND,
            items=message.items,
            contact_id=message.contact_id,
            recipient=message.recipient,
            run_id=self.run_id,
            details=_details(message, self.policy),
        )
        if not claim.granted:
            for item, reason in claim.blocked.items():
                self.report.skip(_reason_code(reason))
                log.info("outbox refused %s: %s", item, reason)
            return
        ready = await self._compose(message)
        if ready is None:
            self.outbox.release(message.key)
            return
        await self._send(message, ready)

    # ------------------------------------------------------------------ composing
    def _template(self, message: p.Message) -> tuple[str, str]:
        if message.combined:
            return self.policy.combined.template, self.policy.combined.language
        stage = message.dues[0].stage
        return stage.template, stage.language

    def _preview(self, message: p.Message) -> compose.Composed:
        """A dry run shows the message as it would go out (links and PDFs are not fetched)."""
        if message.combined:
            return compose.combined(self.policy, message, self.locale)
        stage = message.dues[0].stage
        suffix = "PAY-LINK" if stage.button == "payLink" else None
        media = "PDF" if stage.header == "pdf" else None
        return compose.single(self.policy, message, self.locale, link_suffix=suffix, media_id=media)

    async def _compose(self, message: p.Message) -> compose.Composed | None:
        if message.combined:
            return compose.combined(self.policy, message, self.locale)
        due = message.dues[0]
        stage = due.stage
        suffix = media = None
        missing = ""
        if stage.button == "payLink":
            suffix, missing = await self._link(due)
        if stage.header == "pdf" and not missing and self.whatsapp is not None:
            media, missing = await pdf_media(
                self.xero,
                self.whatsapp,
                due.candidate.invoice_id,
                compose.pdf_name(due),
                self.ration,
                self.calls,
            )
        if not missing:
            return compose.single(
                self.policy, message, self.locale, link_suffix=suffix, media_id=media
            )
        if self.policy.pay_links.when_missing == "skip":
            self._skipped(message, p.NO_PAY_LINK, missing)
            return None
        combined = self.policy.combined
        block = self.blocks.blocking(combined.template, combined.language)
        if block is not None:
            self._skipped(message, p.CONFIGURATION, f"{block.code}: {block.message}")
            return None
        return compose.combined(self.policy, message, self.locale)

    async def _link(self, due: p.Due) -> tuple[str | None, str]:
        if not self.policy.pay_links.enabled:
            return None, "pay links are disabled by the policy"
        url, why = await pay_link(
            self.xero,
            self.runtime.store.paylinks,
            due.candidate.invoice_id,
            self.ration,
            self.calls,
        )
        suffix = button_suffix(url, self.policy.pay_links.button_base)
        if suffix is None:
            base = self.policy.pay_links.button_base
            return None, why or f"the link {url} does not start with the button's base {base}"
        return suffix, ""

    # ------------------------------------------------------------------ sending
    async def _send(self, message: p.Message, composed: compose.Composed) -> None:
        key = message.key
        if self.whatsapp is None:
            raise errors.ConnectionError("sending reminders needs a WhatsApp connection")
        self.outbox.mark_sending(key)
        try:
            result = await self.whatsapp.send_template(
                message.recipient,
                composed.template,
                composed.language,
                composed.components,
                callback_data=key,
            )
        except errors.XeroWaError as exc:
            await self._refused(message, composed, exc)
            return
        self.outbox.mark_sent(key, result.message_id)
        self.report.sent += 1
        self.report.sent_invoices += len(message.dues)
        self.report.whatsapp_sends += 1
        self._entry(message, "sent", composed, message_id=result.message_id)
        if self.policy.history_notes.enabled:
            for due in message.dues:
                text = (
                    f"WhatsApp reminder {due.stage.key} sent to {message.recipient}, "
                    f"message {result.message_id}"
                )
                idem = hashlib.sha256(f"{key}|{due.candidate.invoice_id}".encode()).hexdigest()
                self.notes.append((due.candidate.invoice_id, text, f"note-{idem[:32]}"))

    async def _refused(
        self, message: p.Message, composed: compose.Composed, exc: errors.XeroWaError
    ) -> None:
        key = message.key
        code = wa.meta_code(exc)
        shown = str(code) if code is not None else exc.code
        if wa.is_outcome_unknown(exc):
            self.outbox.mark_unknown(key, exc.message)
            self.report.review.append(key)
            self.report.fail("outcome_unknown")
            self._entry(message, "review", composed, reason="outcome_unknown", detail=exc.message)
            return
        if wa.is_undeliverable(exc):
            self.outbox.mark_failed(key, shown, exc.message, retry=False)
            self.report.fail(shown)
            self._entry(message, "failed", composed, reason=shown, detail=exc.message)
            if self.policy.email_fallback.enabled:
                await fallback.email_invoices(
                    self.runtime, self.xero, key, self.ration, self.calls, self.report
                )
            return
        scope = _scope(code, exc, composed)
        retry = scope is not None or code == 131030 or _retryable(exc)
        self.outbox.mark_failed(key, shown, exc.message, retry=retry)
        if scope is not None:
            self.blocks.add(scope, shown, exc.message, self.report)
            self._entry(message, "failed", composed, reason=p.CONFIGURATION, detail=exc.message)
            return
        self.report.fail(shown)
        self._entry(message, "failed", composed, reason=shown, detail=exc.message)

    # ------------------------------------------------------------------ reporting
    def _skipped(self, message: p.Message, reason: str, detail: str) -> None:
        self.report.skip(reason, len(message.dues))
        self._entry(message, "skipped", None, reason=reason, detail=detail)

    def _entry(
        self,
        message: p.Message,
        outcome: str,
        composed: compose.Composed | None,
        **extra: Any,
    ) -> None:
        if not self.report.keep_entries:
            return
        stages = sorted({d.stage.key for d in message.dues})
        self.report.add(
            Entry(
                tenant=self.tenant_name,
                contact=message.contact_name,
                outcome=outcome,
                invoices=[d.candidate.number for d in message.dues],
                stage="+".join(stages),
                recipient=message.recipient,
                template=composed.template if composed else None,
                summary=composed.summary if composed else "",
                **extra,
            )
        )


def _scope(code: int | None, exc: errors.XeroWaError, composed: compose.Composed) -> str | None:
    """The configuration scope ``exc`` blocks, or None when it is not a configuration error."""
    if code in RECIPIENT_CODES:
        return None
    if code in TEMPLATE_CODES:
        return template_scope(composed.template, composed.language)
    if wa.is_configuration_error(exc) or wa.error_kind(exc) == "spam":
        return SENDER
    return None


def _retryable(exc: errors.XeroWaError) -> bool:
    return isinstance(exc, errors.UpstreamError) and (exc.retryable or wa.is_rate_limited(exc))


def template_scope(template: str, language: str) -> str:
    return f"template {template} ({language})"


def _reason_code(reason: str) -> str:
    if reason.startswith("stopped"):
        return p.STOPPED
    if "review" in reason:
        return p.NEEDS_REVIEW
    if "failed" in reason:
        return p.FAILED_BEFORE
    return p.ALREADY_SENT


def _details(message: p.Message, policy: Policy) -> dict[str, Any]:
    """Kept with the outbox message: for review listings and the webhook's e-mail fallback."""
    return {
        "contact": message.contact_name,
        "emailFallback": policy.email_fallback.enabled,
        "reserveCalls": policy.xero_budget.reserve_calls,
        "invoices": [
            {
                "id": d.candidate.invoice_id,
                "number": d.candidate.number,
                "stage": d.stage.key,
                "amountDue": str(d.candidate.amount_due),
                "currency": d.candidate.currency,
            }
            for d in message.dues
        ],
    }
