"""Per-tenant pacing of Xero calls: 5 in flight, 60 a minute and a daily budget.

Xero counts every call of one organisation together, so the limiter is one object per tenant per
process (kept in ``runtime.shared_object``), used by ``XeroClient.request`` for every attempt.

- Concurrency: a semaphore of ``concurrent`` slots, held only while a request is on the wire.
- Minute: Xero's windows are fixed and reset at a moment we cannot see. A sliding window over our
  own sends never lets more than ``per_minute`` through in any 60 seconds, so it cannot overrun a
  fixed window either.
- Day: the same sliding window over 24 hours, against the configured budget (plans differ).
- Steering: ``X-MinLimit-Remaining`` tells what Xero has left this minute. When Xero has fewer
  calls left than we think (another process or app used the same organisation), the local window
  is filled up to match, so we slow down before Xero says 429. ``X-DayLimit-Remaining`` is kept
  for planning (``remaining()``) but does not stop calls by itself: only Xero's 429 ``day`` says
  when the day resets, and a refused call costs nothing, so the message the user gets is exact.
- A 429 ``minute``/``concurrent`` pauses every caller of the tenant for exactly ``Retry-After``;
  a 429 ``day`` blocks the tenant until the reset, and later calls fail without reaching Xero.

All waits go through the runtime's Clock, so tests move time instead of sleeping. Admission is
serialised by one lock: only the caller at the head of the queue sleeps, the others queue behind
it, which keeps the order fair and makes each wait exactly what the window or Xero asked for.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import timedelta

from component import errors
from component.clock import Clock
from component.xero.errors import day_limit_error

MINUTE = 60.0
DAY = 86_400.0


@dataclass(frozen=True)
class Limits:
    """Xero's documented per-tenant limits; the daily budget is configurable (plans differ)."""

    concurrent: int = 5
    per_minute: int = 60
    per_day: int = 5000


class TenantLimiter:
    """Admission control for one tenant's calls."""

    def __init__(self, clock: Clock, limits: Limits, tenant: str) -> None:
        self._clock = clock
        self.limits = limits
        self.tenant = tenant
        self._slots = asyncio.Semaphore(limits.concurrent)
        self._gate = asyncio.Lock()
        self._minute: deque[float] = deque()
        self._day: deque[float] = deque()
        self._paused_until = 0.0
        self._day_blocked_until: float | None = None
        self._xero_day_remaining: int | None = None
        #: Every wait this limiter imposed, in seconds (reported by the bench and by tests).
        self.waits: list[float] = []
        self.sent = 0

    @asynccontextmanager
    async def slot(self, what: str) -> AsyncIterator[None]:
        """Hold one in-flight slot for a single attempt, after waiting for the windows."""
        async with self._slots:
            async with self._gate:
                await self._admit(what)
            yield

    async def _admit(self, what: str) -> None:
        while True:
            now = self._clock.monotonic()
            self._expire(now)
            self._check_day(now, what)
            wait = max(self._paused_until - now, self._minute_wait(now))
            if wait <= 0:
                self._minute.append(now)
                self._day.append(now)
                self.sent += 1
                return
            self.waits.append(wait)
            await self._clock.sleep(wait)

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
        """Tighten the minute window to what Xero says is left (never loosen it)."""
        now = self._clock.monotonic()
        self._expire(now)
        _fill(self._minute, self.limits.per_minute, _int(headers.get("X-MinLimit-Remaining")), now)
        day_left = _int(headers.get("X-DayLimit-Remaining"))
        if day_left is not None:
            self._xero_day_remaining = day_left

    def pause(self, seconds: float) -> None:
        """Xero said 429 (minute, concurrent, app minute): nobody calls for ``seconds``."""
        self._paused_until = max(self._paused_until, self._clock.monotonic() + seconds)

    def block_day(self, seconds: float) -> None:
        """Xero said 429 day: every call fails fast until the reset."""
        self._day_blocked_until = self._clock.monotonic() + seconds

    def remaining(self) -> dict[str, int]:
        """Calls left in the current windows, as this limiter sees them."""
        now = self._clock.monotonic()
        self._expire(now)
        day = self.limits.per_day - len(self._day)
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
