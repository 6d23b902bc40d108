"""Time as a dependency.

Token expiry, rate-limit windows, pacing, quiet hours and retry backoff all read time through a
``Clock`` so tests (and the sandbox) can move time forward instantly instead of sleeping.
"""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    """Wall time (aware UTC), a monotonic reading in seconds, and an awaitable sleep."""

    def now(self) -> datetime: ...

    def monotonic(self) -> float: ...

    async def sleep(self, seconds: float) -> None: ...


class SystemClock:
    """The real clock."""

    def now(self) -> datetime:
        return datetime.now(UTC)

    def monotonic(self) -> float:
        return time.monotonic()

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(max(0.0, seconds))


class FakeClock:
    """A clock that only moves when told to; ``sleep`` advances it and yields once.

    Several tasks sleeping on one FakeClock each advance it by their own delay, which is the
    behaviour tests of "wait exactly Retry-After" want: the total advance equals what was asked.
    """

    def __init__(self, start: datetime | None = None) -> None:
        self._now = start or datetime(2026, 7, 14, 9, 30, tzinfo=UTC)
        self._mono = 1000.0
        self.slept: list[float] = []

    def now(self) -> datetime:
        return self._now

    def monotonic(self) -> float:
        return self._mono

    def advance(self, seconds: float) -> None:
        self._now += timedelta(seconds=seconds)
        self._mono += seconds

    def set(self, when: datetime) -> None:
        """Jump to ``when`` (forwards only, like real time)."""
        delta = (when - self._now).total_seconds()
        if delta < 0:
            raise ValueError("FakeClock cannot go backwards")
        self.advance(delta)

    async def sleep(self, seconds: float) -> None:
        seconds = max(0.0, seconds)
        self.slept.append(seconds)
        self.advance(seconds)
        await asyncio.sleep(0)


SYSTEM_CLOCK = SystemClock()
