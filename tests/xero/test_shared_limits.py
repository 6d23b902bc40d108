"""Xero's limits shared by every process on one store (component/storage/rate_ledger.py).

Each ``Runtime`` here stands for one process: its own store connection, its own limiter of the
tenant, one (virtual) clock between them as hosts with synchronised clocks have. Every test runs
on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime

import pytest

from component import errors
from component.config import Settings
from component.registry import Registry
from component.runtime import Runtime
from component.storage.rate_ledger import CallLimits
from component.storage.store import Store
from component.xero.client import shared_limits
from component.xero.limiter import LEASE_MARGIN_SECONDS, Limits, TenantLimiter
from tests.storage import postgres_backends
from tests.virtual_clock import VirtualClock

settings = postgres_backends.settings
store_backend = postgres_backends.store_backend
vclock = postgres_backends.vclock
processes = postgres_backends.processes

Process = Callable[..., TenantLimiter]


@pytest.fixture
def process(processes: Callable[[], Runtime], vclock: VirtualClock) -> Process:
    """``process(tenant, **limits)``: the tenant's limiter in a new process on the store."""

    def make(tenant: str = "tenant-1", **limits: int) -> TenantLimiter:
        shared = shared_limits(processes())
        assert shared is not None
        return TenantLimiter(vclock, Limits(**limits), tenant, shared)

    return make


async def calls(
    lim: TenantLimiter, times: int, clock: VirtualClock, log: list[datetime], hold: float = 0.0
) -> None:
    for _ in range(times):
        async with lim.slot("a call"):
            log.append(clock.now())
            if hold:
                await clock.sleep(hold)


def most_in_any_minute(log: list[datetime]) -> int:
    times = sorted(t.timestamp() for t in log)
    return max(sum(1 for u in times if t <= u < t + 60) for t in times)


@pytest.mark.anyio
async def test_two_processes_never_admit_more_than_60_calls_in_any_minute(
    process: Process, vclock: VirtualClock
) -> None:
    one, two = process(), process()
    log: list[datetime] = []
    work = [calls(lim, 50, vclock, log) for lim in (one, two, one, two)]
    await vclock.run(asyncio.gather(*work))
    assert len(log) == 200
    assert most_in_any_minute(log) == 60  # full use of each minute, never more
    assert (log[-1] - log[0]).total_seconds() >= 180  # 200 calls need 4 minutes' windows
    assert one.sent + two.sent == 200


@pytest.mark.anyio
async def test_two_processes_never_have_more_than_5_calls_in_flight(
    process: Process, vclock: VirtualClock
) -> None:
    one, two = process(), process()
    in_flight = peak = 0

    async def call(lim: TenantLimiter) -> None:
        nonlocal in_flight, peak
        async with lim.slot("a call"):
            in_flight += 1
            peak = max(peak, in_flight)
            await vclock.sleep(1.0)
            in_flight -= 1

    await vclock.run(asyncio.gather(*(call(lim) for lim in [one, two] * 8)))
    assert peak == 5
    assert one.sent == two.sent == 8


@pytest.mark.anyio
async def test_the_app_wide_limit_counts_every_tenants_calls(
    process: Process, vclock: VirtualClock
) -> None:
    first, second = process("tenant-a", app_per_minute=10), process("tenant-b", app_per_minute=10)
    log: list[datetime] = []
    await vclock.run(asyncio.gather(calls(first, 8, vclock, log), calls(second, 8, vclock, log)))
    assert most_in_any_minute(log) == 10
    assert (log[-1] - log[0]).total_seconds() == 60  # the 11th call waited for the window


@pytest.mark.anyio
async def test_xeros_remaining_headers_steer_every_process(
    process: Process, vclock: VirtualClock
) -> None:
    one, two = process("tenant-a"), process("tenant-a")
    other = process("tenant-b")
    log: list[datetime] = []

    async def answered(headers: dict[str, str]) -> None:
        async with one.slot("a call"):
            one.observe(headers)

    await vclock.run(answered({"X-MinLimit-Remaining": "2", "X-AppMinLimit-Remaining": "9000"}))
    await vclock.run(calls(two, 2, vclock, log))
    assert two.waits == []
    await vclock.run(calls(two, 1, vclock, log))
    assert two.waits == [60.0]  # Xero counted 58 more this minute than we did: the window is full
    await vclock.run(answered({"X-AppMinLimit-Remaining": "0"}))
    await vclock.run(calls(other, 1, vclock, log))
    assert other.waits == [60.0]  # no calls left for the app: another tenant waits too


@pytest.mark.anyio
async def test_a_429_pause_holds_the_other_processes_for_retry_after(
    process: Process, vclock: VirtualClock
) -> None:
    one, two = process("tenant-a"), process("tenant-a")
    other = process("tenant-b")
    log: list[datetime] = []

    async def refused(lim: TenantLimiter, seconds: float, *, app: bool = False) -> None:
        async with lim.slot("a call"):
            lim.pause(seconds, app=app)

    await vclock.run(refused(one, 37))
    await vclock.run(asyncio.gather(calls(two, 1, vclock, log), calls(other, 1, vclock, log)))
    assert two.waits == [37.0]
    assert other.waits == []  # a tenant's minute is its own
    await vclock.run(refused(one, 20, app=True))  # 429 appminute
    await vclock.run(calls(other, 1, vclock, log))
    assert other.waits == [20.0]


@pytest.mark.anyio
async def test_a_day_block_reaches_every_process_until_the_reset(
    process: Process, vclock: VirtualClock
) -> None:
    one, two = process(), process()
    log: list[datetime] = []

    async def blocked() -> None:
        async with one.slot("a call"):
            one.block_day(600)

    await vclock.run(blocked())
    with pytest.raises(errors.RateLimited, match=r"Xero's day rate limit .* resets in 10 min"):
        await vclock.run(calls(two, 1, vclock, log))
    assert log == []
    vclock.advance(600)
    await vclock.run(calls(two, 1, vclock, log))
    assert len(log) == 1


@pytest.mark.anyio
async def test_the_daily_budget_counts_every_process(
    process: Process, vclock: VirtualClock
) -> None:
    one, two = process(per_day=3), process(per_day=3)
    log: list[datetime] = []
    await vclock.run(asyncio.gather(calls(one, 2, vclock, log), calls(two, 1, vclock, log)))
    with pytest.raises(errors.RateLimited, match="daily budget of 3 Xero calls"):
        await vclock.run(calls(two, 1, vclock, log))
    assert two.remaining()["day"] == 0


@pytest.mark.anyio
async def test_a_killed_processs_calls_in_flight_free_their_slots_when_the_lease_lapses(
    process: Process, vclock: VirtualClock, settings: Settings
) -> None:
    two = process()
    store = Store.open(settings)
    try:  # a process admitted 5 calls and was killed before ending any of them
        lease = settings.http_timeout_seconds + LEASE_MARGIN_SECONDS
        limits = CallLimits(5, 60, 5000, 10_000)
        for _ in range(5):
            when = vclock.now().timestamp()
            assert store.rate_ledger.admit_call("tenant-1", limits, when, lease).lease
        assert store.rate_ledger.in_flight("tenant-1", vclock.now().timestamp()) == 5
    finally:
        store.close()
    start = vclock.monotonic()
    await vclock.run(calls(two, 1, vclock, []))
    assert vclock.monotonic() - start == pytest.approx(lease, abs=0.06)


@pytest.mark.anyio
@postgres_backends.sqlite_only("a database URL always names a store")
async def test_without_a_store_the_limits_stay_local(
    settings: Settings, registry: Registry
) -> None:
    runtime = Runtime(settings=settings, registry=registry)
    assert shared_limits(runtime) is None
    assert not settings.store_path.exists()  # asking did not create one
    await runtime.aclose()
