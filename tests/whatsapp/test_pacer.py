"""The pacer on a FakeClock: burst rate, the one-second window, pair spacing, feedback."""

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


class LateClock(FakeClock):
    """A FakeClock whose sleeps overrun, as a busy event loop's do: ``late(n)`` is added to the
    n-th sleep (counting from 0)."""

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


async def burst(pacer: WhatsAppPacer, clock: FakeClock, recipients: list[str]) -> list[float]:
    times: list[float] = []

    async def one(to: str) -> None:
        ticket = await pacer.acquire(to)
        pacer.left(ticket)  # the request goes at once
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
    assert min(b - a for a, b in itertools.pairwise(ordered)) >= 1.03 / 80 - 1e-9
    assert pacer.stats.admitted == 800


@pytest.mark.parametrize("rate", [80, 1000])
async def test_lateness_is_caught_up_without_ever_exceeding_the_cap(rate: int) -> None:
    """Every sleep overruns by 0-30 ms (a loaded machine): sends still average >= 0.95 of the
    cap, and no guarded window (1.01 s) ever holds more than the cap."""
    jitter = random.Random(7)
    clock = LateClock(lambda n: jitter.uniform(0.0, 0.030))
    pacer = WhatsAppPacer(clock, rate, 6)
    start = clock.monotonic()

    times = await burst(pacer, clock, [f"+9198{n:08d}" for n in range(10 * rate)])

    assert max_in_any_second(times, 1.01) <= rate
    assert len(times) / (max(times) - start) >= 0.95 * rate


async def test_a_stall_is_made_up_by_the_slots_already_due_and_no_more(clock: FakeClock) -> None:
    """One 200 ms stall: the 15 slots it swallowed go at once when it ends. The window keeps
    their successors one window later from bunching (never over the cap), and within ten
    windows the schedule is back on its origin (admission k at k * spacing), not 200 ms late."""
    stalls = {10: 0.2}
    late = LateClock(lambda n: stalls.get(n, 0.0))
    pacer = WhatsAppPacer(late, 80, 0)
    start = late.monotonic()
    spacing = 1.03 / 80

    times = await burst(pacer, late, ["+919820012345"] * 1000)

    at_once = [t for t in times if t == pytest.approx(start + 11 * spacing + 0.2)]
    assert len(at_once) == 1 + int(0.2 / spacing)
    assert times[100] - start == pytest.approx(11 * spacing + 0.2 + 1.01)
    assert times[999] - start == pytest.approx(999 * spacing)
    assert max_in_any_second(times, 1.01) <= 80


@pytest.mark.parametrize(("rate", "steady"), [(80, 79), (1000, 981)])
async def test_catching_up_never_fills_a_window_more_than_the_steady_pace(
    rate: int, steady: int
) -> None:
    """Stalls of 200 ms every 150 wake-ups are caught up, yet no guarded window (1.01 s) at the
    wire holds more sends than the schedule itself puts in one (79 at 80/s): the rest of the cap
    stays free for requests that reach Meta with different delays. Filling windows to the cap
    let one send delayed less than its neighbours make a 130429."""
    stalls = dict.fromkeys(range(10, 10 * rate, 150), 0.2)
    late = LateClock(lambda n: stalls.get(n, 0.0))
    pacer = WhatsAppPacer(late, rate, 0)
    start = late.monotonic()

    times = await burst(pacer, late, [f"+9198{n:08d}" for n in range(10 * rate)])

    assert pacer.window_capacity == steady
    assert max_in_any_second(times, 1.01) == steady
    assert len(times) / (max(times) - start) >= 0.95 * rate


async def test_the_steady_pace_alone_fills_a_window_as_far_as_its_count(clock: FakeClock) -> None:
    """The count is what the schedule puts in a window anyway: without lateness it never holds a
    send back (admission k at exactly k * spacing), so it costs no throughput."""
    pacer = WhatsAppPacer(clock, 80, 0)
    start = clock.monotonic()

    times = await burst(pacer, clock, ["+919820012345"] * 400)

    assert times == pytest.approx([start + k * 1.03 / 80 for k in range(400)])
    assert max_in_any_second(times, 1.01) == pacer.window_capacity == 79


async def test_lateness_does_not_accumulate_the_old_way(clock: FakeClock) -> None:
    """5 ms late on every wake (less than one spacing): 800 sends take 800 slots plus 5 ms, not
    800 * (spacing + 5 ms) as a pacer counting from its last send would."""
    late = LateClock(lambda n: 0.005)
    pacer = WhatsAppPacer(late, 80, 0)
    start = late.monotonic()

    times = await burst(pacer, late, ["+919820012345"] * 800)

    assert max(times) - start == pytest.approx(799 * 1.03 / 80 + 0.005, abs=1e-6)


async def test_after_a_lull_at_most_a_quarter_second_of_slots_goes_at_once(
    clock: FakeClock,
) -> None:
    pacer = WhatsAppPacer(clock, 80, 0)
    await burst(pacer, clock, ["+919820012345"] * 5)
    clock.advance(60)
    resumed = clock.monotonic()

    times = await burst(pacer, clock, ["+919820012345"] * 80)

    assert len([t for t in times if t == resumed]) == 1 + int(0.25 / (1.03 / 80))
    assert max_in_any_second(times, 1.01) <= 80


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


async def test_a_send_that_leaves_late_is_counted_from_when_it_left() -> None:
    """The window counts sends at the wire: a request held 0.8 s between admission and leaving
    (a slow commit, a busy loop) keeps its place in the window from when it left, so the
    one-second window at the wire never holds more than the cap."""
    clock = VirtualClock()
    pacer = WhatsAppPacer(clock, 2, 0)
    spacing = 1.03 / 2

    async def scenario() -> list[float]:
        first = await pacer.acquire("+919820000001")
        pacer.left(first)
        held = await pacer.acquire("+919820000002")

        async def leaves_late() -> None:
            await clock.sleep(0.8)
            pacer.left(held)

        late = asyncio.ensure_future(leaves_late())
        third = await pacer.acquire("+919820000003")
        pacer.left(third)
        fourth = await pacer.acquire("+919820000004")
        await late
        return [t.admitted_at for t in (first, held, third, fourth)]

    start = clock.monotonic()
    times = await clock.run(scenario())

    assert times[:3] == pytest.approx([start, start + spacing, start + 2 * spacing])
    assert times[3] == pytest.approx(start + spacing + 0.8 + 1.01)  # not its slot, 3 * spacing


async def test_a_send_that_never_says_it_left_stops_blocking_after_five_seconds() -> None:
    clock = VirtualClock()
    pacer = WhatsAppPacer(clock, 1, 0)

    async def scenario() -> float:
        await pacer.acquire("+919820000001")  # its caller died before the request left
        second = await pacer.acquire("+919820000002")
        return second.admitted_at

    start = clock.monotonic()
    admitted = await clock.run(scenario())

    assert 5.0 <= admitted - start <= 5.0 + 1.03 + 1e-6
