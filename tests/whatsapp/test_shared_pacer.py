"""WhatsApp's throughput cap shared by every process on one store (the number's schedule in
component/storage/rate_ledger.py).

Each ``Runtime`` stands for one process sending from the same business number: its own store
connection and pacer, one (virtual) clock between them. Every test runs on SQLite and on
PostgreSQL.
"""

from __future__ import annotations

import asyncio
import bisect
import itertools
from collections.abc import Callable

import pytest

from component.config import Settings
from component.registry import Registry
from component.runtime import Runtime
from component.storage.rate_ledger import OVERLAP_SECONDS, SHARED_HOLD_SECONDS
from component.whatsapp.pacer import WhatsAppPacer, pacer_for
from component.whatsapp.shared_schedule import SharedSlots
from tests.storage import postgres_backends
from tests.virtual_clock import VirtualClock

settings = postgres_backends.settings
store_backend = postgres_backends.store_backend
vclock = postgres_backends.vclock
processes = postgres_backends.processes

NUMBER = "106540352242922"
Process = Callable[[], WhatsAppPacer]


@pytest.fixture
def process(processes: Callable[[], Runtime]) -> Process:
    """``process()``: the number's pacer in a new process on the store (80 messages/s)."""

    def make() -> WhatsAppPacer:
        pacer = pacer_for(processes(), NUMBER)
        assert pacer.shared
        return pacer

    return make


async def sends(
    pacer: WhatsAppPacer,
    first: int,
    count: int,
    log: list[float],
    commit: tuple[VirtualClock, float] | None = None,
) -> None:
    """``count`` sends at once, each to its own recipient; ``log`` gets when each left.
    ``commit``: each request leaves that many seconds after its admission (the outbox's commit)."""

    async def one(n: int) -> None:
        ticket = await pacer.acquire(f"+9198200{n:05d}")
        if commit is not None:
            clock, seconds = commit
            await clock.sleep(seconds)
        pacer.left(ticket)
        log.append(ticket.admitted_at if commit is None else commit[0].monotonic())

    await asyncio.gather(*(one(n) for n in range(first, first + count)))


def slots(pacer: WhatsAppPacer) -> SharedSlots:
    """The pacer's part of the shared schedule (the slots it holds, its pace)."""
    assert pacer._slots is not None
    return pacer._slots


def most_in_any_second(log: list[float]) -> int:
    times = sorted(log)
    return max(bisect.bisect_left(times, t + 1.0) - i for i, t in enumerate(times))


def rate_of(log: list[float]) -> float:
    """Messages a second from the first send to the last."""
    return (len(log) - 1) / (max(log) - min(log))


@pytest.mark.anyio
async def test_two_processes_stay_under_the_cap_together_and_reach_it(
    process: Process, vclock: VirtualClock
) -> None:
    one, two = process(), process()
    log: list[float] = []
    await vclock.run(asyncio.gather(sends(one, 0, 400, log), sends(two, 1000, 400, log)))
    assert len(log) == 800
    assert most_in_any_second(log) <= 80  # never above the cap, whoever sends
    rate = (len(log) - 1) / (max(log) - min(log))
    assert rate >= 0.93 * 80, f"{rate:.1f} messages/s together"  # the shared pace: 0.94
    assert one.stats.admitted == two.stats.admitted == 400
    # a block of 0.25 s of slots (18 at 80/s) per claim, not one transaction per message
    assert one.stats.claims + two.stats.claims <= 800 / 18 + 4


@pytest.mark.anyio
async def test_a_delay_every_send_pays_does_not_slow_the_shared_schedule(
    process: Process, vclock: VirtualClock
) -> None:
    """Each request leaves 40 ms after its admission (the outbox's "sending" commit on a loaded
    machine): that shifts every send alike, so the processes still reach the shared pace, and
    no second at the wire holds more than the cap. Counted as lateness, it moved the schedule
    on at every send (0.30 of the cap at 80/s)."""
    one, two = process(), process()
    log: list[float] = []
    commit = (vclock, 0.040)
    await vclock.run(
        asyncio.gather(sends(one, 0, 400, log, commit), sends(two, 1000, 400, log, commit))
    )
    assert len(log) == 800
    assert most_in_any_second(log) <= 80
    rate = (len(log) - 1) / (max(log) - min(log))
    assert rate >= 0.93 * 80, f"{rate:.1f} messages/s together"


@pytest.mark.anyio
async def test_a_process_sending_alone_keeps_the_single_process_pace(
    process: Process, vclock: VirtualClock
) -> None:
    """``remind`` alone on its number: 0.97 of the cap (80 sends in 1.03 s), as without a store;
    the shared pace (0.943) kept a lone sender below 0.95 of the cap for ever."""
    one = process()
    log: list[float] = []
    await vclock.run(sends(one, 0, 400, log, (vclock, 0.0)))
    assert len(log) == 400
    assert most_in_any_second(log) <= 80
    assert log[80] - log[0] <= 1.03 + 1e-6  # 80 slots of 1.03 s / 80
    assert rate_of(log) >= 0.96 * 80, f"{rate_of(log):.1f} messages/s alone"
    assert one.solo
    assert one.stats.solo_claims == one.stats.claims


@pytest.mark.anyio
async def test_a_second_process_joining_a_solo_sender_crowds_no_second(
    process: Process, vclock: VirtualClock
) -> None:
    """The first process sends alone (the tight solo pace) and its requests reach Meta 50 ms
    after their slots; the second joins mid-block and its requests go at once. Slots already
    handed out at the solo pace are not taken back, so the second starts after them plus the
    guards' difference: no second at the wire holds more than the cap, and together they still
    reach the shared pace."""
    one, two = process(), process()
    log: list[float] = []

    async def join_late() -> None:
        first = asyncio.ensure_future(sends(one, 0, 500, log, (vclock, 0.050)))
        await vclock.sleep(0.6)  # the first holds a block of solo slots now
        assert one.solo
        await sends(two, 1000, 500, log, (vclock, 0.0))
        await first

    await vclock.run(join_late())
    assert len(log) == 1000
    assert most_in_any_second(log) <= 80
    assert rate_of(log) >= 0.94 * 80, f"{rate_of(log):.1f} messages/s together"
    assert one.stats.solo_claims > 0
    assert two.stats.solo_claims == 0  # it joined a number someone was sending from
    assert not one.solo
    assert not two.solo


@pytest.mark.anyio
async def test_the_remaining_process_goes_back_to_the_solo_pace(
    process: Process, vclock: VirtualClock
) -> None:
    one, two = process(), process()
    log: list[float] = []
    await vclock.run(asyncio.gather(sends(one, 0, 200, log), sends(two, 1000, 200, log)))
    assert not one.solo
    stopped = vclock.monotonic()  # the second process sends no more
    alone: list[float] = []
    await vclock.run(sends(one, 2000, 1500, alone, (vclock, 0.0)))
    assert max(alone) > stopped + OVERLAP_SECONDS + SHARED_HOLD_SECONDS  # it sent throughout
    assert one.solo
    last = sorted(alone)[-81:]
    assert last[-1] - last[0] <= 1.03 + 1e-6  # the solo pace again
    assert most_in_any_second(log + alone) <= 80


@pytest.mark.anyio
async def test_a_130429_slows_every_process_down(process: Process, vclock: VirtualClock) -> None:
    one, two = process(), process()
    log: list[float] = []
    await vclock.run(asyncio.gather(sends(one, 0, 1, log), sends(two, 1, 1, log)))
    one.slow_down()  # Meta said 130429 to one process
    said_at = vclock.monotonic()

    async def retry_while_the_other_sends() -> None:
        retry = asyncio.ensure_future(sends(one, 2, 1, log))
        await vclock.sleep(0.001)  # one's retry is now waiting for the pause
        await sends(two, 3, 1, log)
        await retry

    await vclock.run(retry_while_the_other_sends())
    assert len(log) == 4
    assert min(log[2:]) >= said_at + one.window - 1e-6  # both waited the pause out
    assert two.stats.slowdowns == 0  # told by the store, not by Meta


@postgres_backends.sqlite_only("a database URL always names a store")
@pytest.mark.anyio
async def test_without_a_store_the_schedule_stays_local(
    settings: Settings, registry: Registry
) -> None:
    runtime = Runtime(settings=settings, registry=registry)
    assert not pacer_for(runtime, NUMBER).shared
    assert not settings.store_path.exists()  # asking did not create one
    await runtime.aclose()


#: How far apart, on their way to Meta, requests may arrive beyond their spacing at ``left``:
#: the guards' difference (``SCHEDULE_GUARD_SECONDS - WINDOW_GUARD_SECONDS``), what the solo
#: pace keeps between 81 consecutive sends.
JITTER = 0.02


def most_in_a_second_at_meta(log: list[float]) -> int:
    """The most sends Meta can count in one second when each request reaches it up to
    ``JITTER`` later than another: the most sends within ``1 s + JITTER`` at ``left``."""
    times = sorted(log)
    span = 1.0 + JITTER - 1e-9
    return max(bisect.bisect_left(times, t + span) - i for i, t in enumerate(times))


def slow_claims(vclock: VirtualClock, monkeypatch: pytest.MonkeyPatch, seconds: float) -> None:
    """Every claim of slots takes ``seconds`` (of the virtual clock) to come back."""
    real = asyncio.to_thread

    async def slow(fn: Callable[..., object], /, *args: object, **kwargs: object) -> object:
        if getattr(fn, "__name__", "") == "claim_slots":
            await vclock.sleep(seconds)
        return await real(fn, *args, **kwargs)

    monkeypatch.setattr(asyncio, "to_thread", slow)


@pytest.mark.anyio
async def test_a_slow_claim_loses_no_slots_between_blocks(
    process: Process, vclock: VirtualClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each claim of a block takes 40 ms (a commit on a loaded machine: three spacings at
    80/s). The next block is claimed in the background while this one's last slots go, so a
    lone sender keeps its pace, 0.97 of the cap (claimed only once the block ran out, every
    block started the claim's time after the previous one ended: 69 messages/s, 0.87 of the
    cap), still never above it."""
    slow_claims(vclock, monkeypatch, 0.040)
    one = process()
    log: list[float] = []
    await vclock.run(sends(one, 0, 400, log))
    assert len(log) == 400
    assert most_in_a_second_at_meta(log) <= 80
    assert rate_of(log) >= 0.96 * 80, f"{rate_of(log):.1f} messages/s"
    assert one.stats.claims <= 400 / 18 + 4  # still a block per claim


@pytest.mark.anyio
@pytest.mark.parametrize("claim", [0.0, 0.040])
@pytest.mark.parametrize("stall", [1, 3, 10, 17])
async def test_after_a_stall_the_slots_held_do_not_crowd_a_second(
    process: Process,
    vclock: VirtualClock,
    monkeypatch: pytest.MonkeyPatch,
    stall: int,
    claim: float,
) -> None:
    """The process stalls (its loop busy, the machine loaded) for ``stall`` slot intervals in
    the middle of a run, with claims of ``claim`` seconds. The slots it holds that went by during the stall
    are dropped, not sent at once: no burst fills a second, so however the requests' delays to
    Meta differ within the guards' 20 ms, no second at Meta holds more than the cap (sent at
    once, up to ``catch_up`` late, they filled a second at ``left`` to within the window
    guard's 10 ms). The schedule moves on from the stall, at the same pace."""
    slow_claims(vclock, monkeypatch, claim)
    one = process()
    log: list[float] = []

    async def stall_midway() -> None:
        run = asyncio.ensure_future(sends(one, 0, 300, log))
        await vclock.sleep(1.5 + 0.3 * one.spacing)  # between two slots, mid-run
        assert len(slots(one).held) > 1  # slots held, some due during the stall
        vclock.advance(stall * one.spacing)  # nothing runs meanwhile: everyone wakes late
        await run

    await vclock.run(stall_midway())
    assert len(log) == 300
    assert most_in_a_second_at_meta(log) <= 80
    times = sorted(log)
    gaps = [b - a for a, b in itertools.pairwise(times)]
    assert min(gaps) >= one.spacing - 0.010 - 1e-9  # no two slots at once
    assert rate_of(log) >= 0.96 * 80 * (1 - stall * one.spacing / (max(log) - min(log)))


@pytest.mark.anyio
async def test_slots_claimed_ahead_and_left_unused_delay_the_next_process_once(
    process: Process, vclock: VirtualClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A run that stops may hold slots claimed ahead that it never sends: they stay claimed
    in the ledger, at most a block (0.25 s) past its last send. A process that starts right
    after starts after them and after the handover's gap (the number looks newly shared, as
    after any solo sender that stopped within ``OVERLAP_SECONDS``): a delay of at most a block,
    once. Its pace is the shared pace for ``SHARED_HOLD_SECONDS`` (the same as without slots
    claimed ahead), then the solo pace again; the first process, starting again later, does
    not send its old slots (they are late), so no second ever holds more than the cap."""
    slow_claims(vclock, monkeypatch, 0.040)
    one, two = process(), process()
    first: list[float] = []
    await vclock.run(sends(one, 0, 100, first))
    unused = list(slots(one).held)
    assert unused  # claimed ahead for callers that were served by the slots held before
    assert len(unused) <= 18  # at most a block
    stopped = max(first)
    later: list[float] = []
    await vclock.run(sends(two, 1000, 1500, later))
    handover = 80 * (slots(two).pace.shared - slots(two).pace.solo)
    # two's first send: after one's unused slots and the gap, and no later than a claim after
    assert unused[-1] + one.spacing + handover - 1e-6 <= min(later)
    assert min(later) <= stopped + 0.25 + handover + 0.040 + 1e-6
    assert two.stats.claims > two.stats.solo_claims > 0  # shared at first, then solo again
    assert two.solo
    last = sorted(later)[-81:]
    assert last[-1] - last[0] <= 1.03 + 1e-6  # the solo pace again
    again: list[float] = []
    await vclock.run(sends(one, 3000, 50, again))  # one's old slots are long late: dropped
    assert min(again) >= max(later)
    assert most_in_a_second_at_meta(first + later + again) <= 80


@pytest.mark.anyio
async def test_a_130429_while_a_claim_is_on_its_way_leaves_the_pacer_working(
    process: Process, vclock: VirtualClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A send leaves late (its lateness goes to the ledger with a claim), and Meta's 130429
    arrives while that claim is on its way (40 ms). The 130429 drops the slots held; the pacer
    claims again after the pause instead of looking for a slot in an empty block (the claim
    made inside the gate came back with no slots and the next send failed: IndexError)."""
    slow_claims(vclock, monkeypatch, 0.040)
    one = process()
    log: list[float] = []

    async def send(n: int) -> None:
        ticket = await one.acquire(f"+9198200{n:05d}")
        if n == 5:
            ticket.sent.slot = vclock.monotonic() - 0.2  # it leaves 200 ms after its slot
        one.left(ticket)
        log.append(vclock.monotonic())

    async def meta_says_130429() -> float:
        while one.stats.admitted < 6:
            await vclock.sleep(0.001)
        await vclock.sleep(0.010)  # the claim with the lateness is on its way
        one.slow_down()
        return vclock.monotonic()

    said, _ = await vclock.run(
        asyncio.gather(meta_says_130429(), asyncio.gather(*(send(n) for n in range(12))))
    )
    assert len(log) == 12
    assert min(t for t in log if t > said) >= said + one.window - 1e-6


@pytest.mark.anyio
async def test_closing_the_runtime_cancels_a_claim_still_on_its_way(
    processes: Callable[[], Runtime], vclock: VirtualClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A send left late, so the next send's admission claims in the background (to pass the
    lateness on) and the run ends before that claim comes back. Closing the runtime cancels the
    claim and waits for it: no task of the pacer outlives the runtime, and the claim never
    reaches the store, which closes right after (it did, and failed on the closed store)."""
    runtime = processes()
    one = pacer_for(runtime, NUMBER)
    store = runtime.store
    flowing = asyncio.Event()  # claims wait here while it is clear
    flowing.set()
    reached: list[bool] = []  # for each claim that reached the store: whether it was closed
    real = asyncio.to_thread

    async def held(fn: Callable[..., object], /, *args: object, **kwargs: object) -> object:
        if getattr(fn, "__name__", "") == "claim_slots":
            await flowing.wait()
            reached.append(store.db.closed)
        return await real(fn, *args, **kwargs)

    monkeypatch.setattr(asyncio, "to_thread", held)
    log: list[float] = []
    await vclock.run(sends(one, 0, 20, log))
    assert slots(one).held  # slots claimed ahead, left over
    flowing.clear()  # from here a claim does not come back

    async def late_then_one_more() -> None:
        ticket = await one.acquire("+919820000100")
        ticket.sent.slot = vclock.monotonic() - 0.2  # it leaves 200 ms after its slot
        one.left(ticket)
        one.left(await one.acquire("+919820000101"))  # a held slot; the lateness is claimed

    await vclock.run(late_then_one_more())
    claiming = slots(one)._claiming
    assert claiming is not None
    assert not claiming.done()

    await runtime.aclose()

    assert claiming.cancelled()
    flowing.set()  # a claim still running would go on to the store now
    await vclock.run(vclock.sleep(1.0))
    assert reached
    assert not any(reached)
