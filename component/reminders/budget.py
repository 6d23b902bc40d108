"""Counting and rationing the reminder job's Xero calls.

Xero allows an organisation 5,000 calls a day, shared with every other app and user of it. The
job's own listing is cheap (pages of 1,000); what could burn the budget are the per-invoice
extras: pay links, PDFs, history notes, e-mail fallbacks. Those are "optional": each is taken
from ``OptionalCalls`` only while the tenant's limiter still sees more than the policy's
reserve left today (and below the per-run cap), so a reminder run can never leave the
organisation without calls for the rest of the day.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from component.reminders.policy import XeroBudget
from component.xero.limiter import TenantLimiter


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
    """The ration of per-invoice Xero calls for one tenant in one run."""

    limiter: TenantLimiter
    budget: XeroBudget
    used: int = 0
    refused: int = 0

    def take(self) -> bool:
        """Spend one call if the reserve and the per-run cap allow it."""
        cap = self.budget.max_optional_calls_per_run
        if cap is not None and self.used >= cap:
            self.refused += 1
            return False
        if self.limiter.remaining()["day"] <= self.budget.reserve_calls:
            self.refused += 1
            return False
        self.used += 1
        return True

    def why_refused(self) -> str:
        cap = self.budget.max_optional_calls_per_run
        if cap is not None and self.used >= cap:
            return f"the run's cap of {cap} optional Xero calls is used up"
        left = self.limiter.remaining()["day"]
        return f"only {left} Xero calls left today (reserve {self.budget.reserve_calls})"
