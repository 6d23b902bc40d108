"""Counting and rationing the Xero calls a notification job makes besides its listing.

Xero allows an organisation 5,000 calls a day, shared with every other app and user of it. What
could burn the budget are the per-invoice extras: pay links, PDFs, history notes, e-mail
fallbacks. Those are "optional": each is taken from ``OptionalCalls`` only while the tenant's
limiter still sees more than the reserve left today, below the per-run cap, and within the
day's share (``optionalShare`` of the daily budget, 20% by default, counted per organisation
and UTC day across runs in ``optional_calls_daily``), so a job can never leave the organisation
without calls for the rest of the day, and a first run over a large ledger spends a fifth of
the day, not all of it. What does not fit waits: History notes in their durable queue
(``notify.notes``), messages without their link for a later run. The reminder policy's
``xeroBudget`` sets the reserve, the cap and the share (``component.reminders.policy``).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from component.xero.limiter import TenantLimiter

#: The reserve when nothing else says: what the shipped policy keeps for the rest of the day.
DEFAULT_RESERVE_CALLS = 1000


@dataclass
class XeroCalls:
    """Logical Xero calls made by one run, by purpose (listing, contacts, links...)."""

    by_purpose: Counter[str] = field(default_factory=Counter)

    def add(self, purpose: str, count: int = 1) -> None:
        if count:
            self.by_purpose[purpose] += count

    @property
    def total(self) -> int:
        return sum(self.by_purpose.values())


@dataclass
class OptionalCalls:
    """The ration of per-invoice Xero calls for one tenant in one run (or one event)."""

    limiter: TenantLimiter
    reserve_calls: int = DEFAULT_RESERVE_CALLS
    #: At most this many optional calls in one run (None: no cap).
    cap: int | None = None
    #: The day's share of optional calls for this organisation (None: no share) ...
    day_share: int | None = None
    #: ... and how much of it earlier runs of the same day used.
    day_used: int = 0
    used: int = 0
    refused: int = 0

    def take(self) -> bool:
        """Spend one call if the reserve, the per-run cap and the day's share allow it."""
        if self.cap is not None and self.used >= self.cap:
            self.refused += 1
            return False
        if self.day_share is not None and self.day_used + self.used >= self.day_share:
            self.refused += 1
            return False
        if self.limiter.remaining()["day"] <= self.reserve_calls:
            self.refused += 1
            return False
        self.used += 1
        return True

    def why_refused(self) -> str:
        if self.cap is not None and self.used >= self.cap:
            return f"the run's cap of {self.cap} optional Xero calls is used up"
        if self.day_share is not None and self.day_used + self.used >= self.day_share:
            return f"today's share of {self.day_share} optional Xero calls is used up"
        left = self.limiter.remaining()["day"]
        return f"only {left} Xero calls left today (reserve {self.reserve_calls})"
