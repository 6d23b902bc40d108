"""What a Xero call asks of the rate ledger and what the ledger answers (see
``component.storage.rate_ledger``, which re-exports them).

They live apart from the ledger because every Xero client's limiter keeps a ``CallFeedback`` of
the answers it saw, with or without a store to share it with: a command with no store (``xero-wa
run --sandbox``) then loads neither the ledger nor its migrations.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class CallLimits:
    """Xero's limits for one tenant's calls, and the app's across tenants."""

    concurrent: int
    per_minute: int
    per_day: int
    app_per_minute: int


@dataclass
class CallFeedback:
    """What Xero's answers said since the last transaction, applied with the next one."""

    minute_left: int | None = None  # X-MinLimit-Remaining (the lowest seen)
    app_minute_left: int | None = None  # X-AppMinLimit-Remaining
    pause: float = 0.0  # 429 minute/concurrent: the tenant waits this long
    app_pause: float = 0.0  # 429 appminute: every tenant waits
    day_block: float | None = None  # 429 day: seconds until Xero's reset

    def merge_left(self, minute: int | None, app: int | None) -> None:
        if minute is not None:
            self.minute_left = minute if self.minute_left is None else min(self.minute_left, minute)
        if app is not None:
            self.app_minute_left = (
                app if self.app_minute_left is None else min(self.app_minute_left, app)
            )

    @property
    def empty(self) -> bool:
        return self == CallFeedback()


@dataclass(frozen=True)
class Admission:
    """The ledger's answer to "may this call go?"."""

    lease: str | None = None  # admitted: end the call with this lease
    wait: float = 0.0  # not admitted: ask again in this many seconds
    why: str = ""  # minute | concurrent | paused | appminute
    day_blocked: float | None = None  # Xero's day limit was hit: seconds until its reset
    day_budget: float | None = None  # our day budget is spent: seconds until a call leaves it
    minute_used: int = 0  # the tenant's calls in the last minute (fillers included)
    day_used: int = 0  # the tenant's calls in the last 24 hours
