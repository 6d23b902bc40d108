"""Per-tenant pacing of Xero calls: 5 in flight, 60 a minute, a daily budget, and the app's
10,000 a minute across tenants.

Xero counts every call of one organisation together, whichever process or host makes it. So the
limiter of a tenant (one per process, kept in ``runtime.shared_object`` and used by
``XeroClient.request`` for every attempt) admits each attempt through the store's rate ledger
(``component.storage.rate_ledger``) whenever there is a store: every ``serve``, ``worker`` and
``remind`` on one SQLite file or one PostgreSQL database then stays under the limits *together*.
Without a store (a one-off ``xero-wa run`` with no data home) or with a read-only one, the
limiter stays local to its process.

- Concurrency: a semaphore of ``concurrent`` slots per process, and (shared) a lease per call in
  flight; a lease has an expiry, so a process killed mid-call frees its slot when it lapses.
- Minute: Xero's windows are fixed and reset at a moment we cannot see. A sliding window over our
  own sends never lets more than ``per_minute`` through in any 60 seconds, so it cannot overrun a
  fixed window either. The app-wide 10,000 a minute is the same window over every tenant.
- Day: the same sliding window over 24 hours, against the configured budget (plans differ).
- Steering: ``X-MinLimit-Remaining`` / ``X-AppMinLimit-Remaining`` tell what Xero has left this
  minute. When Xero has fewer calls left than we counted (another app or process used the same
  organisation), the window is filled up to match, so we slow down before Xero says 429.
  ``X-DayLimit-Remaining`` is kept for planning (``remaining()``) but does not stop calls by
  itself: only Xero's 429 ``day`` says when the day resets, and a refused call costs nothing, so
  the message the user gets is exact.
- A 429 ``minute``/``concurrent`` pauses every caller of the tenant (in every process) for
  exactly ``Retry-After``, a 429 ``appminute`` every tenant; a 429 ``day`` blocks the tenant until
  the reset, and later calls fail without reaching Xero.

What an answer says (``observe``, ``pause``, ``block_day``, called while the attempt holds its
slot) reaches the ledger when the attempt ends, in the transaction that ends its lease.

All waits go through the runtime's Clock, so tests move time instead of sleeping; the ledger
reads the Clock's wall time (hosts need synchronised clocks). Admission is serialised per
process by one lock: only the caller at the head of the queue sleeps (or asks the ledger), the
others queue behind it, which keeps the order fair, keeps one process from hammering the store,
and makes each wait exactly what the window or Xero asked for.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

from component import errors
from component.clock import Clock
from component.storage.rate_calls import Admission, CallFeedback, CallLimits
from component.xero.errors import day_limit_error

if TYPE_CHECKING:
    from component.storage.rate_ledger import RateLedger

MINUTE = 60.0
DAY = 86_400.0
#: A lease outlives its call's HTTP timeout by this much before another process may take it.
LEASE_MARGIN_SECONDS = 5.0


@dataclass(frozen=True)
class Limits:
    """Xero's documented limits; the daily budget is configurable (plans differ)."""

    concurrent: int = 5
    per_minute: int = 60
    per_day: int = 5000
    #: Every tenant's calls together (only counted when the limiter is shared).
    app_per_minute: int = 10_000


@dataclass(frozen=True)
class Shared:
    """The store's rate ledger, shared with every process on the store; a call's lease lasts
    ``lease_seconds`` (its HTTP timeout and a margin) unless the call ends first."""

    ledger: RateLedger
    lease_seconds: float


class TenantLimiter:
    """Admission control for one tenant's calls (across processes when ``shared`` is given)."""

    def __init__(
        self, clock: Clock, limits: Limits, tenant: str, shared: Shared | None = None
    ) -> None:
        self._clock = clock
        self.limits = limits
        self.tenant = tenant
        self._shared = shared
        self._slots = asyncio.Semaphore(limits.concurrent)
        self._gate = asyncio.Lock()
        self._minute: deque[float] = deque()
        self._day: deque[float] = deque()
        self._paused_until = 0.0
        self._day_blocked_until: float | None = None
        self._xero_day_remaining: int | None = None
        #: What Xero's answers said, for the ledger's next transaction.
        self._feedback = CallFeedback()
        #: The tenant's calls in the last 24 hours in every process, as the ledger last said.
        self._shared_day_used = 0
        #: Every wait this limiter imposed, in seconds (reported by the bench and by tests).
        self.waits: list[float] = []
        self.sent = 0

    @property
    def shared(self) -> bool:
        """Whether the limits are shared with the other processes on the store."""
        return self._shared is not None

    @asynccontextmanager
    async def slot(self, what: str) -> AsyncIterator[None]:
        """Hold one in-flight slot for a single attempt, after waiting for the windows."""
        async with self._slots:
            async with self._gate:
                lease = await self._admit(what)
            try:
                yield
            finally:
                if self._shared is not None:
                    await self._end(self._shared, lease)

    async def _admit(self, what: str) -> str | None:
        while True:
            now = self._clock.monotonic()
            self._expire(now)
            self._check_day(now, what)
            wait = max(self._paused_until - now, self._minute_wait(now))
            lease = None
            if wait <= 0 and self._shared is not None:
                admission = await self._ask(self._shared)
                self._shared_day_used = admission.day_used
                self._check_shared_day(admission, now, what)
                wait, lease = admission.wait, admission.lease
            if wait <= 0:
                self._minute.append(now)
                self._day.append(now)
                self.sent += 1
                return lease
            self.waits.append(wait)
            await self._clock.sleep(wait)

    async def _ask(self, shared: Shared) -> Admission:
        feedback, self._feedback = self._feedback, CallFeedback()
        return await asyncio.to_thread(
            shared.ledger.admit_call,
            self.tenant,
            self._call_limits(),
            self._clock.now().timestamp(),
            shared.lease_seconds,
            feedback,
        )

    async def _end(self, shared: Shared, lease: str | None) -> None:
        feedback, self._feedback = self._feedback, CallFeedback()
        await asyncio.to_thread(
            shared.ledger.end_call,
            self.tenant,
            lease,
            self._call_limits(),
            self._clock.now().timestamp(),
            feedback,
        )

    def _call_limits(self) -> CallLimits:
        limits = self.limits
        return CallLimits(
            limits.concurrent, limits.per_minute, limits.per_day, limits.app_per_minute
        )

    def _check_shared_day(self, admission: Admission, now: float, what: str) -> None:
        if admission.day_blocked is not None:
            self._day_blocked_until = now + admission.day_blocked
            raise self._day_error(admission.day_blocked, what, by_xero=True)
        if admission.day_budget is not None:
            raise self._day_error(admission.day_budget, what, by_xero=False)

    def _expire(self, now: float) -> None:
        while self._minute and self._minute[0] <= now - MINUTE:
            self._minute.popleft()
        while self._day and self._day[0] <= now - DAY:
            self._day.popleft()
        if self._day_blocked_until is not None and now >= self._day_blocked_until:
            self._day_blocked_until = None

    def _minute_wait(self, now: float) -> float:
        if len(self._minute) < self.limits.per_minute:
            return 0.0
        return self._minute[0] + MINUTE - now

    def _check_day(self, now: float, what: str) -> None:
        if self._day_blocked_until is not None:
            raise self._day_error(self._day_blocked_until - now, what, by_xero=True)
        if len(self._day) >= self.limits.per_day:
            raise self._day_error(self._day[0] + DAY - now, what, by_xero=False)

    def _day_error(self, seconds: float, what: str, *, by_xero: bool) -> errors.RateLimited:
        resets_at = self._clock.now() + timedelta(seconds=seconds)
        return day_limit_error(
            what, seconds, resets_at, by_xero=by_xero, budget=self.limits.per_day
        )

    # ------------------------------------------------------------------ feedback from Xero
    def observe(self, headers: Mapping[str, str]) -> None:
        """Tighten the minute windows to what Xero says is left (never loosen them)."""
        now = self._clock.monotonic()
        self._expire(now)
        minute_left = _int(headers.get("X-MinLimit-Remaining"))
        _fill(self._minute, self.limits.per_minute, minute_left, now)
        self._feedback.merge_left(minute_left, _int(headers.get("X-AppMinLimit-Remaining")))
        day_left = _int(headers.get("X-DayLimit-Remaining"))
        if day_left is not None:
            self._xero_day_remaining = day_left

    def pause(self, seconds: float, *, app: bool = False) -> None:
        """Xero said 429 (minute, concurrent; ``app``: appminute): nobody calls for ``seconds``
        (with ``app``, no tenant's call, when the limiter is shared)."""
        self._paused_until = max(self._paused_until, self._clock.monotonic() + seconds)
        if app:
            self._feedback.app_pause = max(self._feedback.app_pause, seconds)
        else:
            self._feedback.pause = max(self._feedback.pause, seconds)

    def block_day(self, seconds: float) -> None:
        """Xero said 429 day: every call fails fast until the reset."""
        self._day_blocked_until = self._clock.monotonic() + seconds
        self._feedback.day_block = seconds

    def remaining(self) -> dict[str, int]:
        """Calls left in the current windows, as this limiter sees them."""
        now = self._clock.monotonic()
        self._expire(now)
        day = self.limits.per_day - max(len(self._day), self._shared_day_used)
        if self._xero_day_remaining is not None:
            day = min(day, self._xero_day_remaining)
        return {"minute": self.limits.per_minute - len(self._minute), "day": max(0, day)}


def _fill(window: deque[float], limit: int, remaining: int | None, now: float) -> None:
    if remaining is None:
        return
    missing = (limit - len(window)) - max(0, remaining)
    for _ in range(max(0, missing)):
        window.append(now)


def _int(raw: str | None) -> int | None:
    if raw is None:
        return None
    try:
        return int(raw.strip())
    except ValueError:
        return None
