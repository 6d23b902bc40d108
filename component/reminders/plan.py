"""Planning one contact's reminder: which invoices, which stage, to which number, or why not.

Pure logic over data already fetched (candidates, the cached contact, opt-outs, outbox states),
so every rule is testable without Xero or WhatsApp. Per invoice, in order:

1. the latest stage reached (``stages.reached_stage``); past ``stopAfterDays`` → ``too_old``;
2. owing less than the policy's minimum for its currency → ``below_minimum``;
3. that (invoice, stage) already in the outbox → ``already_sent`` / ``needs_review`` /
   ``failed_before`` / ``stopped`` (a paid invoice).

Then, per contact, for the invoices left: opted out (Xero contact group or a STOP reply) →
``opted_out``; no usable WhatsApp number → ``no_whatsapp_number`` (with the phone rule's reason).
What remains becomes ONE message (at most one per contact per run): the stage's template for a
single invoice, the combined template (count and total) for several.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property

from component.notify.recipient import choose_number
from component.reminders.policy import Policy, Stage
from component.reminders.stages import days_from_due, reached_stage, too_old
from component.storage.outbox_reads import Item
from component.storage.reminder_cache import CachedContact, Candidate

# Skip reasons: stable codes for reports, JSON and tests.
NO_STAGE = "no_stage_reached"
TOO_OLD = "too_old"
BELOW_MINIMUM = "below_minimum"
ALREADY_SENT = "already_sent"
NEEDS_REVIEW = "needs_review"
FAILED_BEFORE = "failed_before"
STOPPED = "stopped"
OPTED_OUT = "opted_out"
PAUSED = "paused_by_reply"
NO_NUMBER = "no_whatsapp_number"
CONTACT_UNKNOWN = "contact_unknown"
QUIET_HOURS = "quiet_hours"
NOT_BUSINESS_DAY = "not_business_day"
NO_PAY_LINK = "no_pay_link"
CONFIGURATION = "configuration_error"
BUDGET = "xero_budget"
#: Skips of an invoice whose stage was due but which the contact's state withheld: the
#: dashboard counts them as eligible (``store.eligibility``), unlike "not due yet", "too old",
#: "below the minimum" or "already sent".
WITHHELD = frozenset({PAUSED, CONTACT_UNKNOWN, OPTED_OUT, NO_NUMBER})

_OUTBOX_REASONS = {
    "already sent": ALREADY_SENT,
    "outcome unknown (needs review)": NEEDS_REVIEW,
    "failed permanently": FAILED_BEFORE,
}

ItemReason = Callable[[Item], "str | None"]
OptOutReason = Callable[[str, "str | None"], "str | None"]


@dataclass(frozen=True)
class Due:
    """An invoice whose stage is due now."""

    candidate: Candidate
    stage: Stage
    days: int
    #: The one reminder the day after a promised date passed unpaid carries an extra outbox item,
    #: ``after-promise-2026-12-15``, so it goes once; with the stage already sent before the
    #: promise, the marker alone is claimed (the stage's template is sent again).
    marker: str | None = None
    stage_open: bool = True

    @property
    def item(self) -> Item:
        stage = self.stage.key if self.stage_open or self.marker is None else self.marker
        return Item(self.candidate.tenant_id, self.candidate.invoice_id, stage)

    @property
    def items(self) -> list[Item]:
        found = [self.item]
        if self.marker is not None and self.stage_open:
            found.append(Item(self.candidate.tenant_id, self.candidate.invoice_id, self.marker))
        return found


@dataclass(frozen=True)
class Skip:
    candidate: Candidate
    reason: str
    detail: str = ""
    stage: str | None = None


@dataclass(frozen=True)
class Message:
    """One WhatsApp message to plan: one contact, one number, one or more invoices."""

    tenant_id: str
    contact_id: str
    contact_name: str
    recipient: str
    dues: tuple[Due, ...]

    @property
    def combined(self) -> bool:
        return len(self.dues) > 1

    @cached_property  # a send reads it several times (envelope, claim, key, callback data)
    def items(self) -> list[Item]:
        return [item for due in self.dues for item in due.items]

    @cached_property
    def key(self) -> str:
        """The outbox key (and ``biz_opaque_callback_data``): the same items → the same key."""
        parts = sorted(f"{i.subject_id}/{i.stage}" for i in self.items)
        digest = hashlib.sha256("|".join([self.tenant_id, *parts]).encode()).hexdigest()
        return f"rem-{digest[:32]}"


@dataclass
class ContactPlan:
    message: Message | None = None
    skips: list[Skip] = field(default_factory=list)

    def due(self) -> list[tuple[str, str]]:
        """The (invoice id, stage) pairs due a reminder now: the message's, and those withheld."""
        found = (
            [(d.candidate.invoice_id, d.stage.key) for d in self.message.dues]
            if (self.message)
            else []
        )
        found += [
            (s.candidate.invoice_id, s.stage)
            for s in self.skips
            if s.reason in WITHHELD and s.stage
        ]
        return found


@dataclass(frozen=True)
class ContactPause:
    """A contact's reply pause as planning sees it: a reason to skip now, or the invoices of a
    broken promise that get one reminder (``repeat`` names its outbox marker)."""

    reason: str | None = None
    invoices: frozenset[str] = frozenset()
    repeat: str | None = None

    def follows_up(self, candidate: Candidate) -> bool:
        return self.repeat is not None and candidate.invoice_id.lower() in self.invoices


NO_PAUSE = ContactPause()
Paused = Callable[[str], ContactPause]


@dataclass(frozen=True)
class PlanContext:
    """What planning needs besides the contact's invoices (fixed for one tenant's run)."""

    policy: Policy
    tenant_id: str
    as_of: date
    default_region: str
    group_opted_out: frozenset[str] = frozenset()
    item_reason: ItemReason = lambda _item: None
    #: (contact_id, phone) → why they are opted out (a STOP reply...), or None.
    opted_out: OptOutReason = lambda _contact, _phone: None
    #: contact_id → its reply pause (``component.replies.pauses``).
    paused: Paused = lambda _contact: NO_PAUSE


def plan_contact(
    ctx: PlanContext, candidates: Sequence[Candidate], contact: CachedContact | None
) -> ContactPlan:
    """The message for one contact's candidates (all of the same contact), and the skips."""
    plan = ContactPlan()
    pause = ctx.paused(candidates[0].contact_id) if candidates else NO_PAUSE
    dues = [due for c in candidates if (due := _due(ctx, c, plan.skips, pause)) is not None]
    if not dues:
        return plan
    if pause.reason is not None:
        _skip_all(plan, dues, PAUSED, pause.reason)
        return plan
    if contact is None:
        _skip_all(plan, dues, CONTACT_UNKNOWN, "the contact is not in Xero's contact list")
        return plan
    contact_id = contact.contact_id
    if contact_id in ctx.group_opted_out:
        group = ctx.policy.opt_out.contact_group
        _skip_all(plan, dues, OPTED_OUT, f"member of the Xero contact group {group!r}")
        return plan
    choice = choose_number(contact.phones, ctx.default_region)
    why = ctx.opted_out(contact_id, choice.e164)
    if why is not None:
        _skip_all(plan, dues, OPTED_OUT, why)
        return plan
    if choice.e164 is None:
        _skip_all(plan, dues, NO_NUMBER, f"{choice.reason}: {choice.detail}")
        return plan
    plan.message = Message(ctx.tenant_id, contact_id, contact.name, choice.e164, tuple(dues))
    return plan


def _due(
    ctx: PlanContext,
    candidate: Candidate,
    skips: list[Skip],
    pause: ContactPause = None,  # type: ignore[assignment]
) -> Due | None:
    policy = ctx.policy
    stage = reached_stage(policy, candidate.due, ctx.as_of)
    days = days_from_due(candidate.due, ctx.as_of)
    if stage is None:
        skips.append(Skip(candidate, NO_STAGE, f"due on {candidate.due.isoformat()}"))
        return None
    if too_old(policy, candidate.due, ctx.as_of):
        detail = f"{days} days overdue, reminders stop after {policy.stop_after_days}"
        skips.append(Skip(candidate, TOO_OLD, detail, stage.key))
        return None
    minimum = policy.minimum_amount.for_currency(candidate.currency)
    if candidate.amount_due < minimum:
        detail = f"{candidate.amount_due} {candidate.currency} < {minimum}"
        skips.append(Skip(candidate, BELOW_MINIMUM, detail, stage.key))
        return None
    due = Due(candidate, stage, days)
    reason = ctx.item_reason(due.item)
    if pause is not None and pause.follows_up(candidate):
        marker = Item(candidate.tenant_id, candidate.invoice_id, str(pause.repeat))
        if ctx.item_reason(marker) in (None, "open"):
            return Due(candidate, stage, days, pause.repeat, reason in (None, "open"))
    if reason not in (None, "open"):
        code = _OUTBOX_REASONS.get(
            str(reason), STOPPED if str(reason).startswith("stopped") else ALREADY_SENT
        )
        skips.append(Skip(candidate, code, str(reason), stage.key))
        return None
    return due


def _skip_all(plan: ContactPlan, dues: list[Due], reason: str, detail: str) -> None:
    plan.skips.extend(Skip(d.candidate, reason, detail, d.stage.key) for d in dues)
