"""The real clock's sleep: never early, and no spinning on a loop with millisecond timers.

The loop's timer is modelled here (no test sleeps on the wall clock): ``MillisecondTimers`` is what
uvloop does, counting a timer in whole milliseconds from the start of the loop's turn, so it fires
the turn's age early, and at once for less than half a millisecond.
"""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from component import clock as clock_module
from component.clock import TIMER_GRAIN_SECONDS, SystemClock

#: How long the loop's current turn has been running when a timer is set (seconds).
TURN_AGE = 0.0004


class MillisecondTimers:
    """``asyncio.sleep`` and ``time.monotonic`` of a loop whose timers count whole milliseconds
    from the start of the turn; records each sleep asked for."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.asked: list[float] = []

    def monotonic(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.asked.append(seconds)
        milliseconds = round(seconds * 1000)
        if milliseconds:  # under half a millisecond: due at once
            self.now += milliseconds / 1000 - TURN_AGE


@pytest.fixture
def timers(monkeypatch: pytest.MonkeyPatch) -> MillisecondTimers:
    fake = MillisecondTimers()
    monkeypatch.setattr(clock_module, "asyncio", SimpleNamespace(sleep=fake.sleep))
    monkeypatch.setattr(clock_module, "time", SimpleNamespace(monotonic=fake.monotonic))
    return fake


@pytest.mark.anyio
@pytest.mark.parametrize("seconds", [0.0124, 0.0129, 0.0103, 0.0003, 0.00001, 2.5])
async def test_a_sleep_never_ends_early_and_takes_at_most_three_timers(
    timers: MillisecondTimers, seconds: float
) -> None:
    """The pacer's waits (12.4 ms to its next slot at 80/s, a few tenths of a millisecond after
    a wake-up) end no sooner than asked and less than a millisecond (plus the turn's age) after,
    in at most three timers: asking again for what was left spun the loop until the deadline
    passed (a sleep of 0.45 ms returned after 0.00 ms, and again, about five times a message)."""
    start = timers.now
    await SystemClock().sleep(seconds)
    slept = timers.now - start
    assert slept >= seconds
    assert slept < seconds + TIMER_GRAIN_SECONDS + TURN_AGE
    assert len(timers.asked) <= 3
    assert all(asked >= TIMER_GRAIN_SECONDS for asked in timers.asked[1:])  # no timer due at once


@pytest.mark.anyio
@pytest.mark.parametrize("seconds", [0.0, -1.0])
async def test_no_time_left_yields_once(timers: MillisecondTimers, seconds: float) -> None:
    await SystemClock().sleep(seconds)
    assert timers.asked == [0]
    assert timers.now == 1000.0
