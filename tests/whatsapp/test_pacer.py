"""The pacer on a FakeClock: burst rate, the one-second window, pair spacing, feedback."""

from __future__ import annotations

import asyncio
import itertools
from collections import deque

import pytest

from component.clock import FakeClock
from component.runtime import Runtime
from component.whatsapp.pacer import WhatsAppPacer, pacer_for

pytestmark = pytest.mark.anyio


def max_in_any_second(times: list[float]) -> int:
    """What a sliding one-second counter (Meta's, the sandbox's) sees at its worst."""
    window: deque[float] = deque()
    worst = 0
    for at in sorted(times):
        while window and window[0] <= at - 1.0:
            window.popleft()
        window.append(at)
        worst = max(worst, len(window))
    return worst


async def burst(pacer: WhatsAppPacer, clock: FakeClock, recipients: list[str]) -> list[float]:
    times: list[float] = []

    async def one(to: str) -> None:
        await pacer.acquire(to)
        times.append(clock.monotonic())

    await asyncio.gather(*(one(to) for to in recipients))
    return times


async def test_a_concurrent_burst_runs_near_the_cap_and_never_over_it(clock: FakeClock) -> None:
    pacer = WhatsAppPacer(clock, 80, 6)
    start = clock.monotonic()

    times = await burst(pacer, clock, [f"+9198200{n:05d}" for n in range(800)])

    elapsed = max(times) - start
    assert max_in_any_second(times) <= 80
    assert 800 / elapsed >= 0.9 * 80
    ordered = sorted(times)
    assert min(b - a for a, b in itertools.pairwise(ordered)) >= 1 / 80 - 1e-9
    assert pacer.stats.admitted == 800


async def test_the_first_window_goes_out_smoothly_at_full_speed(clock: FakeClock) -> None:
    pacer = WhatsAppPacer(clock, 80, 6)
    start = clock.monotonic()

    times = await burst(pacer, clock, [f"+61412{n:06d}" for n in range(80)])

    assert max(times) - start == pytest.approx(79 / 80)


async def test_a_configured_rate_is_honoured(clock: FakeClock) -> None:
    pacer = WhatsAppPacer(clock, 20, 6)

    times = await burst(pacer, clock, [f"+4479111{n:05d}" for n in range(100)])

    assert max_in_any_second(times) <= 20
    assert 100 / (max(times) - min(times)) >= 0.9 * 20


async def test_one_recipient_is_spaced_by_the_pair_interval(clock: FakeClock) -> None:
    pacer = WhatsAppPacer(clock, 80, 6)
    start = clock.monotonic()

    first = await pacer.acquire("+919820012345")
    second = await pacer.acquire("+919820012345")

    assert first.waited == 0
    assert second.admitted_at - first.admitted_at == pytest.approx(6.05)
    assert clock.monotonic() - start == pytest.approx(6.05)


async def test_a_waiting_recipient_does_not_hold_up_others(clock: FakeClock) -> None:
    pacer = WhatsAppPacer(clock, 80, 6)
    await pacer.acquire("+919820012345")
    order: list[str] = []

    async def send(to: str) -> None:
        await pacer.acquire(to)
        order.append(to)

    await asyncio.gather(send("+919820012345"), send("+919820054321"))

    assert order == ["+919820054321", "+919820012345"]


async def test_slow_down_pauses_everyone_for_one_window(clock: FakeClock) -> None:
    pacer = WhatsAppPacer(clock, 80, 6)
    await pacer.acquire("+919820012345")
    pacer.slow_down()

    ticket = await pacer.acquire("+919820054321")

    assert ticket.waited == pytest.approx(1.05)
    assert pacer.stats.slowdowns == 1


async def test_back_off_delays_only_that_recipient(clock: FakeClock) -> None:
    pacer = WhatsAppPacer(clock, 80, 6)
    pacer.back_off("+919820012345", 12)

    other = await pacer.acquire("+919820054321")
    backed = await pacer.acquire("+919820012345")

    assert other.waited == 0
    assert backed.admitted_at - other.admitted_at == pytest.approx(12)


async def test_a_released_ticket_frees_the_recipient_again(clock: FakeClock) -> None:
    pacer = WhatsAppPacer(clock, 80, 6)
    refused = await pacer.acquire("+919820012345")
    pacer.release(refused)

    retry = await pacer.acquire("+919820012345")

    assert retry.admitted_at - refused.admitted_at == pytest.approx(1 / 80)


async def test_release_leaves_a_later_back_off_in_place(clock: FakeClock) -> None:
    pacer = WhatsAppPacer(clock, 80, 6)
    ticket = await pacer.acquire("+919820012345")
    pacer.back_off("+919820012345", 20)
    pacer.release(ticket)

    retry = await pacer.acquire("+919820012345")

    assert retry.admitted_at - ticket.admitted_at == pytest.approx(20)


async def test_pair_pacing_can_be_switched_off(clock: FakeClock) -> None:
    pacer = WhatsAppPacer(clock, 80, 0)

    times = await burst(pacer, clock, ["+919820012345"] * 5)

    assert max(times) - min(times) == pytest.approx(4 / 80)


async def test_old_recipients_are_forgotten(clock: FakeClock) -> None:
    pacer = WhatsAppPacer(clock, 1000, 6)
    await burst(pacer, clock, [f"+9198200{n:05d}" for n in range(50)])
    clock.advance(7)

    await pacer.acquire("+919820099999")

    assert list(pacer._pair_next) == ["+919820099999"]


async def test_one_pacer_per_business_number_from_the_settings(runtime: Runtime) -> None:
    one = pacer_for(runtime, "106540352242922")

    assert pacer_for(runtime, "106540352242922") is one
    assert pacer_for(runtime, "999") is not one
    assert one.rate == runtime.settings.whatsapp_messages_per_second == 80
    assert one.pair_interval == pytest.approx(
        runtime.settings.whatsapp_pair_interval_seconds + 0.05
    )


def test_rate_must_be_positive(clock: FakeClock) -> None:
    with pytest.raises(ValueError, match="positive"):
        WhatsAppPacer(clock, 0, 6)
