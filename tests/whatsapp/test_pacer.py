"""The pacer on a FakeClock: burst rate, the one-second window at departure, missed slots,
pair spacing, feedback."""

from __future__ import annotations

import asyncio
import itertools
import random
from collections import deque
from collections.abc import Callable

import pytest

from component.clock import FakeClock
from component.runtime import Runtime
from component.whatsapp.pacer import WhatsAppPacer, pacer_for
from tests.virtual_clock import VirtualClock

pytestmark = pytest.mark.anyio


class LateClock(VirtualClock):
    """A VirtualClock whose sleeps overrun, as a busy event loop's do: ``late(n)`` is added to
    the n-th sleep (counting from 0)."""

    def __init__(self, late: Callable[[int], float]) -> None:
        super().__init__()
        self._late = late
        self._sleeps = 0

    async def sleep(self, seconds: float) -> None:
        overrun = self._late(self._sleeps)
        self._sleeps += 1
        await super().sleep(max(0.0, seconds) + overrun)


def max_in_any_second(times: list[float], length: float = 1.0) -> int:
    """What a sliding one-second counter (Meta's, the sandbox's) sees at its worst."""
    window: deque[float] = deque()
    worst = 0
    for at in sorted(times):
        while window and window[0] <= at - length + 1e-9:
            window.popleft()
        window.append(at)
        worst = max(worst, len(window))
    return worst


async def burst(
    pacer: WhatsAppPacer, clock: FakeClock | VirtualClock, recipients: list[str]
) -> list[float]:
    times: list[float] = []

    async def one(to: str) -> None:
        ticket = await pacer.acquire(to)
        await pacer.leave(ticket)  # the request is ready at once: it goes at its slot
        times.append(clock.monotonic())

    work = asyncio.gather(*(one(to) for to in recipients))
    await (clock.run(work) if isinstance(clock, VirtualClock) else work)
    return times


async def test_a_concurrent_burst_runs_near_the_cap_and_never_over_it(clock: FakeClock) -> None:
    pacer = WhatsAppPacer(clock, 80, 6)
    start = clock.monotonic()

    times = await burst(pacer, clock, [f"+9198200{n:05d}" for n in range(800)])

    elapsed = max(times) - start
    assert max_in_any_second(times) <= 80
    assert 800 / elapsed >= 0.9 * 80
    ordered = sorted(times)
    assert min(b - a for a, b in itertools.pairwise(ordered)) >= 1.03 / 80 - 1e-9
    assert pacer.stats.admitted == 800


async def test_late_wake_ups_within_the_tolerance_lose_nothing() -> None:
    """Every sleep overruns by 0-15 ms (a loaded machine): the lead absorbs the admissions'
    lateness and the departures' stays within 20 ms of their slots, so sends still average
    >= 0.95 of the cap, no slot is dropped and no second ever holds more than the cap."""
    rate = 80
    jitter = random.Random(7)
    clock = LateClock(lambda n: jitter.uniform(0.0, 0.015))
    pacer = WhatsAppPacer(clock, rate, 6)
    start = clock.monotonic()

    times = await burst(pacer, clock, [f"+9198{n:08d}" for n in range(10 * rate)])

    assert max_in_any_second(times) <= rate
    assert len(times) / (max(times) - start) >= 0.95 * rate
    assert pacer.stats.missed == 0


async def test_after_a_300_ms_stall_the_missed_slots_are_dropped_not_caught_up(
    clock: FakeClock,
) -> None:
    """One wake-up 300 ms late (the event loop blocked): the schedule starts again from then;
    the 23 slots the stall swallowed are not made up by a burst."""
    stalls = {10: 0.3}
    late = LateClock(lambda n: stalls.get(n, 0.0))
    pacer = WhatsAppPacer(late, 80, 0)
    spacing = 1.03 / 80

    times = await burst(pacer, late, ["+919820012345"] * 400)

    assert max_in_any_second(times) <= 80
    assert min(b - a for a, b in itertools.pairwise(times)) >= spacing - 1e-9  # no burst at all
    assert times[-1] - times[0] == pytest.approx(399 * spacing + 0.3, abs=spacing)


async def test_after_a_300_ms_stall_sends_waiting_for_their_slots_go_one_slot_apart() -> None:
    """40 senders, each 50 ms between admission and ``leave`` (the "sending" commit), so sends
    wait ahead of their slots; then the event loop stalls 300 ms. Every send woken late takes a
    new slot: never more than the cap in any second, nor more than a tenth of a second's slots
    in any 100 ms, and the pace comes back within a second."""
    clock = VirtualClock()
    pacer = WhatsAppPacer(clock, 80, 0)
    departures: list[float] = []
    recipients = iter([f"+9198200{n:05d}" for n in range(400)])

    async def sender() -> None:
        for to in recipients:
            ticket = await pacer.acquire(to)
            await clock.sleep(0.05)  # the outbox's commit
            await pacer.leave(ticket)
            departures.append(clock.monotonic())

    async def stall() -> None:
        await clock.sleep(2.0)
        clock.advance(0.3)  # nothing runs for 300 ms: every sleeper wakes late

    async def scenario() -> None:
        await asyncio.gather(stall(), *(sender() for _ in range(40)))

    start = clock.monotonic()
    await clock.run(scenario())

    assert len(departures) == 400
    assert pacer.stats.missed >= 1
    assert max_in_any_second(departures) <= 80
    assert max_in_any_second(departures, 0.1) <= 1 + int(0.1 / (1.03 / 80)) + 1
    back = start + 2.3 + 1.0
    assert len([t for t in departures if back <= t < back + 1.0]) >= 0.95 * 80


async def test_lateness_does_not_accumulate_the_old_way(clock: FakeClock) -> None:
    """5 ms late on every wake (less than one spacing): 800 sends take 800 slots plus one
    wake's lateness, not 800 * (spacing + 5 ms) as a pacer counting from its last send would."""
    late = LateClock(lambda n: 0.005)
    pacer = WhatsAppPacer(late, 80, 0)
    start = late.monotonic()

    times = await burst(pacer, late, ["+919820012345"] * 800)

    assert max(times) - start == pytest.approx(799 * 1.03 / 80 + 0.005, abs=0.005)
    assert pacer.stats.missed == 0


async def test_after_a_lull_the_schedule_starts_again_from_now(clock: FakeClock) -> None:
    pacer = WhatsAppPacer(clock, 80, 0)
    await burst(pacer, clock, ["+919820012345"] * 5)
    clock.advance(60)
    resumed = clock.monotonic()

    times = await burst(pacer, clock, ["+919820012345"] * 80)

    assert times == pytest.approx([resumed + n * 1.03 / 80 for n in range(80)])


async def test_a_slow_down_is_not_caught_up_afterwards(clock: FakeClock) -> None:
    pacer = WhatsAppPacer(clock, 80, 0)
    await pacer.acquire("+919820012345")
    pacer.slow_down()

    times = await burst(pacer, clock, ["+919820012345"] * 3)

    assert times == pytest.approx([1001.01 + n * 1.03 / 80 for n in range(3)])


async def test_the_first_window_goes_out_smoothly_at_full_speed(clock: FakeClock) -> None:
    pacer = WhatsAppPacer(clock, 80, 6)
    start = clock.monotonic()

    times = await burst(pacer, clock, [f"+61412{n:06d}" for n in range(80)])

    assert max(times) - start == pytest.approx(79 * 1.03 / 80)


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

    assert ticket.waited == pytest.approx(1.01)
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

    assert retry.admitted_at - refused.admitted_at == pytest.approx(1.03 / 80)


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

    assert max(times) - min(times) == pytest.approx(4 * 1.03 / 80)


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


async def test_a_send_held_past_its_slot_takes_a_new_one() -> None:
    """A request held 0.8 s between admission and leaving (a slow commit) does not go late in
    its old slot, next to the sends after it: it takes the next free slot, so departures stay a
    slot apart and no second holds more than the cap."""
    clock = VirtualClock()
    pacer = WhatsAppPacer(clock, 2, 0)
    spacing = 1.03 / 2
    departures: dict[str, float] = {}

    async def send(to: str, held: float = 0.0) -> None:
        ticket = await pacer.acquire(to)
        await clock.sleep(held)
        await pacer.leave(ticket)
        departures[to] = clock.monotonic()

    async def scenario() -> None:
        await send("first")
        late = asyncio.ensure_future(send("held", 0.8))
        await clock.sleep(0)
        await send("third")
        await send("fourth")
        await late

    start = clock.monotonic()
    await clock.run(scenario())

    assert departures["first"] == pytest.approx(start)
    assert departures["third"] == pytest.approx(start + 2 * spacing)
    # ready since start + 1.3, held takes the next free slot before fourth, who was waiting
    assert departures["held"] == pytest.approx(start + 3 * spacing)
    assert departures["fourth"] == pytest.approx(start + 4 * spacing)
    assert pacer.stats.missed == 1
    assert max_in_any_second(list(departures.values())) <= 2


async def test_a_send_that_never_leaves_holds_no_place_in_the_window() -> None:
    clock = VirtualClock()
    pacer = WhatsAppPacer(clock, 1, 0)

    async def scenario() -> float:
        await pacer.acquire("+919820000001")  # its caller died before the request left
        second = await pacer.acquire("+919820000002")
        await pacer.leave(second)
        return clock.monotonic()

    start = clock.monotonic()
    left = await clock.run(scenario())

    assert left - start == pytest.approx(1.03)
