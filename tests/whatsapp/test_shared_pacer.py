"""WhatsApp's throughput cap shared by every process on one store (the number's schedule in
component/storage/rate_ledger.py).

Each ``Runtime`` stands for one process sending from the same business number: its own store
connection and pacer, one (virtual) clock between them. Every test runs on SQLite and on
PostgreSQL.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import pytest

from component.config import Settings
from component.registry import Registry
from component.runtime import Runtime
from component.whatsapp.pacer import WhatsAppPacer, pacer_for
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


def most_in_any_second(log: list[float]) -> int:
    times = sorted(log)
    return max(sum(1 for u in times if t <= u < t + 1.0) for t in times)


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
