"""The per-tenant limiter on a FakeClock: in-flight cap, minute window, daily budget, steering."""

from __future__ import annotations

import asyncio

import pytest

from component import errors
from component.clock import FakeClock
from component.xero.limiter import Limits, TenantLimiter


def limiter(clock: FakeClock, **limits: int) -> TenantLimiter:
    return TenantLimiter(clock, Limits(**limits), "tenant-1")


async def admit(lim: TenantLimiter, times: int) -> None:
    for _ in range(times):
        async with lim.slot("a call"):
            pass


@pytest.mark.anyio
async def test_at_most_five_calls_are_in_flight(clock: FakeClock) -> None:
    lim = limiter(clock)
    in_flight = peak = 0
    release = asyncio.Event()

    async def call() -> None:
        nonlocal in_flight, peak
        async with lim.slot("a call"):
            in_flight += 1
            peak = max(peak, in_flight)
            await release.wait()
            in_flight -= 1

    tasks = [asyncio.create_task(call()) for _ in range(8)]
    for _ in range(10):
        await asyncio.sleep(0)
    assert in_flight == 5
    release.set()
    await asyncio.gather(*tasks)
    assert peak == 5
    assert lim.sent == 8


@pytest.mark.anyio
async def test_the_61st_call_of_a_minute_waits_for_the_window(clock: FakeClock) -> None:
    lim = limiter(clock)
    await admit(lim, 40)
    clock.advance(20)
    await admit(lim, 20)
    assert clock.slept == []
    await admit(lim, 1)
    assert clock.slept == [40.0]  # the first 40 calls leave the window 60 s after they were made
    await admit(lim, 39)  # 20 (from t=20) + 1 + 39 = 60 in the window at t=60
    assert clock.slept == [40.0]
    await admit(lim, 1)
    assert clock.slept == [40.0, 20.0]  # the calls of t=20 leave at t=80


@pytest.mark.anyio
async def test_xeros_remaining_count_tightens_the_window(clock: FakeClock) -> None:
    lim = limiter(clock)
    await admit(lim, 1)
    lim.observe({"X-MinLimit-Remaining": "2", "X-DayLimit-Remaining": "4000"})
    assert lim.remaining() == {"minute": 2, "day": 4000}
    await admit(lim, 2)
    assert clock.slept == []
    await admit(lim, 1)
    assert clock.slept == [60.0]


@pytest.mark.anyio
async def test_a_more_generous_header_does_not_loosen_the_window(clock: FakeClock) -> None:
    lim = limiter(clock, per_minute=3)
    await admit(lim, 3)
    lim.observe({"X-MinLimit-Remaining": "59"})
    assert lim.remaining()["minute"] == 0


@pytest.mark.anyio
async def test_a_pause_holds_every_caller_for_exactly_its_length(clock: FakeClock) -> None:
    lim = limiter(clock)
    lim.pause(37)
    await asyncio.gather(admit(lim, 1), admit(lim, 1), admit(lim, 1))
    assert clock.slept == [37.0]  # one waits at the gate; the others find the pause over


@pytest.mark.anyio
async def test_the_daily_budget_fails_fast_with_the_time_it_frees_up(clock: FakeClock) -> None:
    lim = limiter(clock, per_day=3)
    await admit(lim, 3)
    clock.advance(3600)
    with pytest.raises(errors.RateLimited) as info:
        await admit(lim, 1)
    assert info.value.message == (
        "the daily budget of 3 Xero calls for this organisation is used up, so a call was not "
        "sent; it resets in 23 h (at 2026-07-15 09:30 UTC)"
    )
    assert info.value.retry_after == 82800
    assert clock.slept == []


@pytest.mark.anyio
async def test_a_day_block_from_xero_lifts_when_it_expires(clock: FakeClock) -> None:
    lim = limiter(clock)
    lim.block_day(600)
    with pytest.raises(errors.RateLimited, match="Xero's day rate limit"):
        await admit(lim, 1)
    clock.advance(600)
    await admit(lim, 1)
