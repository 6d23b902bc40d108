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


#: What is left of a sleep that ended early is slept at least this long: an event loop whose
#: timers count whole milliseconds (uvloop) returns at once from anything under half of one.
TIMER_GRAIN_SECONDS = 0.001


class SystemClock:
    """The real clock."""

    def now(self) -> datetime:
        return datetime.now(UTC)

    def monotonic(self) -> float:
        return time.monotonic()

    async def sleep(self, seconds: float) -> None:
        """Return no sooner than ``seconds`` from now on the monotonic clock (0 or less: yield
        once to the loop).

        uvloop (``component.event_loop``: ``serve``, ``worker``, ``remind``) counts a timer in
        whole milliseconds from the start of the loop's current turn, so a sleep can end a few
        tenths of a millisecond early, and one under half a millisecond returns at once. A caller
        waiting for a deadline (the WhatsApp pacer) then asked again for what was left, and
        again, spinning the loop until the deadline passed: ``bench/remind.py`` rate80 recorded
        9,173 of the pacer's sleeps under 1 ms for 1,789 messages, nearly all returning after
        0.00 ms. Here what is left is slept at least ``TIMER_GRAIN_SECONDS``: a sleep may end up
        to a millisecond late, never early, in at most three timers.
        """
        if seconds <= 0:
            await asyncio.sleep(0)
            return
        deadline = time.monotonic() + seconds
        await asyncio.sleep(seconds)
        # not polling for a condition: the same deadline, after a timer that fired early
        while (left := deadline - time.monotonic()) > 0:  # noqa: ASYNC110
            await asyncio.sleep(max(left, TIMER_GRAIN_SECONDS))


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
