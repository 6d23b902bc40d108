"""The scheduler engine with a recording job: once per slot across processes, catch-up, gates.

Two "processes" are two Runtimes (two SQLite connections) on one store file and one FakeClock;
nothing sleeps on the wall clock.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from component.clock import FakeClock
from component.config import Settings
from component.executor import Executor
from component.orgs.view import Organisation
from component.registry import Registry
from component.runtime import Runtime
from component.scheduler.cadence import Daily, Every
from component.scheduler.engine import Scheduler, next_runs
from component.scheduler.jobs import JobContext, JobResult, PeriodicJob
from component.service.connections import ServiceConnections
from tests.orgs.conftest import DEFAULTS, orgs, two_logins, whatsapp
from tests.service.conftest import service_config
from tests.storage import postgres_backends

# Every test here runs on SQLite and on PostgreSQL.
settings = postgres_backends.settings
store_backend = postgres_backends.store_backend

pytestmark = pytest.mark.anyio
KOLKATA = ZoneInfo("Asia/Kolkata")
AUCKLAND = ZoneInfo("Pacific/Auckland")


@dataclass
class Recording(PeriodicJob):
    """Runs at 10:00 in each organisation's zone on weekdays; closed 20:00-09:00 local."""

    zones: dict[str, ZoneInfo]
    ran: list[tuple[str, datetime]] = field(default_factory=list)
    fail_for: str | None = None
    name = "recording"

    def cadence(self, org: Organisation) -> Daily | None:
        zone = self.zones.get(org.tenant_id)
        return Daily(time(10), ("mon", "tue", "wed", "thu", "fri"), zone) if zone else None

    def closed(self, org: Organisation, now: datetime) -> str | None:
        local = now.astimezone(self.zones[org.tenant_id]).time()
        return "quiet hours" if local >= time(20) or local < time(9) else None

    async def run(
        self, ctx: JobContext, org: Organisation, slot: datetime, run_id: str
    ) -> JobResult:
        await asyncio.sleep(0)  # let the other process try the same slot meanwhile
        if org.tenant_id == self.fail_for:
            raise RuntimeError("boom")
        self.ran.append((org.tenant_id, slot))
        return JobResult(run_id, {"sent": 1})


@pytest.fixture
async def processes(
    settings: Settings, registry: Registry, clock: FakeClock
) -> AsyncIterator[list[Runtime]]:
    runtimes = [Runtime(settings=settings, registry=registry, clock=clock) for _ in range(2)]
    two_logins(runtimes[0])
    whatsapp(runtimes[0], "wa")
    orgs(runtimes[0])  # the organisations are added now (the connect flow does this)
    yield runtimes
    for runtime in runtimes:
        await runtime.aclose()


def scheduler(runtime: Runtime, job: PeriodicJob, owner: str) -> Scheduler:
    context = JobContext(
        runtime, Executor(runtime), ServiceConnections(runtime), service_config(), DEFAULTS
    )
    return Scheduler(context, [job], owner=owner)


def zones() -> dict[str, ZoneInfo]:
    return {"tenant-in": KOLKATA, "tenant-nz": AUCKLAND}


async def test_two_processes_run_each_slot_exactly_once(
    processes: list[Runtime], clock: FakeClock
) -> None:
    job = Recording(zones())
    first, second = (scheduler(rt, job, f"process-{i}") for i, rt in enumerate(processes))
    # Wednesday 15 July, 10:00:05 in Kolkata = 04:30:05 UTC (Auckland: 16:30, its slot passed)
    clock.set(datetime(2026, 7, 15, 4, 30, 5, tzinfo=UTC))
    fired = [f for group in await asyncio.gather(first.tick(), second.tick()) for f in group]
    ran = sorted(f.tenant_id for f in fired if f.outcome == "ran")
    assert ran == ["tenant-in", "tenant-nz"]  # each organisation once
    # the other process either lost the claim ("taken") or already saw the slot done
    assert {f.outcome for f in fired} <= {"ran", "taken"}
    assert sorted(job.ran) == [
        ("tenant-in", datetime(2026, 7, 15, 4, 30, tzinfo=UTC)),
        ("tenant-nz", datetime(2026, 7, 14, 22, 0, tzinfo=UTC)),  # 10:00 NZST, 15 July
    ]
    clock.advance(60)
    assert await first.tick() == []
    assert await second.tick() == []
    slots = processes[0].store.schedule.slots("tenant-in", "recording")
    assert [(s.state, s.run_id is not None) for s in slots] == [("done", True)]


async def test_each_organisation_runs_at_its_own_local_time(
    processes: list[Runtime], clock: FakeClock
) -> None:
    job = Recording(zones())
    only = scheduler(processes[0], job, "p")
    clock.set(datetime(2026, 7, 15, 4, 29, tzinfo=UTC))  # 09:59 Kolkata; 16:29 Auckland
    await only.tick()
    assert [t for t, _ in job.ran] == ["tenant-nz"]  # Auckland's 10:00 was hours ago
    clock.set(datetime(2026, 7, 15, 4, 30, tzinfo=UTC))  # 10:00 Kolkata
    await only.tick()
    assert [t for t, _ in job.ran] == ["tenant-nz", "tenant-in"]
    upcoming = {(u.org.tenant_id, u.at) for u in next_runs(only_orgs(only), clock.now(), [job])}
    assert ("tenant-in", datetime(2026, 7, 16, 4, 30, tzinfo=UTC)) in upcoming
    assert ("tenant-nz", datetime(2026, 7, 15, 22, 0, tzinfo=UTC)) in upcoming
    assert ("tenant-au", None) in upcoming  # no zone known: not scheduled


def only_orgs(s: Scheduler) -> list[Organisation]:
    from component.orgs.view import load_all

    return load_all(s.ctx.runtime, DEFAULTS)


async def test_after_downtime_the_latest_missed_slot_runs_once(
    processes: list[Runtime], clock: FakeClock
) -> None:
    job = Recording({"tenant-in": KOLKATA})
    only = scheduler(processes[0], job, "p")
    clock.set(datetime(2026, 7, 20, 4, 31, tzinfo=UTC))  # Monday 10:01 Kolkata
    await only.tick()
    # down from Monday to Thursday noon: Tuesday's, Wednesday's and Thursday's slots passed
    clock.set(datetime(2026, 7, 23, 6, 30, tzinfo=UTC))
    await only.tick()
    await only.tick()
    assert [slot.date().isoformat() for _, slot in job.ran] == ["2026-07-20", "2026-07-23"]


async def test_a_slot_never_runs_inside_quiet_hours_and_catches_up_when_they_end(
    processes: list[Runtime], clock: FakeClock
) -> None:
    job = Recording({"tenant-in": KOLKATA})
    only = scheduler(processes[0], job, "p")
    # the service was down at 10:00 and starts at 21:00 Kolkata (quiet from 20:00)
    clock.set(datetime(2026, 7, 15, 15, 30, tzinfo=UTC))
    assert await only.tick() == []
    clock.set(datetime(2026, 7, 16, 3, 0, tzinfo=UTC))  # 08:30 next day: still quiet
    assert await only.tick() == []
    clock.set(datetime(2026, 7, 16, 3, 31, tzinfo=UTC))  # 09:01: open; today's 10:00 not yet
    (fired,) = await only.tick()
    assert fired.slot == datetime(2026, 7, 15, 4, 30, tzinfo=UTC)  # yesterday's, once
    clock.set(datetime(2026, 7, 16, 4, 30, tzinfo=UTC))
    (fired,) = await only.tick()
    assert fired.slot == datetime(2026, 7, 16, 4, 30, tzinfo=UTC)
    assert len(job.ran) == 2


async def test_a_slot_from_before_the_organisation_was_added_is_not_run(
    processes: list[Runtime], clock: FakeClock
) -> None:
    job = Recording({"tenant-in": KOLKATA})
    only = scheduler(processes[0], job, "p")
    # the organisations were stored at 09:31 UTC on 14 July (15:01 Kolkata), after its 10:00
    assert await only.tick() == []
    clock.set(datetime(2026, 7, 15, 4, 30, tzinfo=UTC))
    assert len(await only.tick()) == 1


async def test_one_organisations_failure_does_not_stop_the_others(
    processes: list[Runtime], clock: FakeClock
) -> None:
    job = Recording(zones(), fail_for="tenant-in")
    only = scheduler(processes[0], job, "p")
    clock.set(datetime(2026, 7, 15, 4, 31, tzinfo=UTC))
    fired = {f.tenant_id: f for f in await only.tick()}
    assert (fired["tenant-in"].outcome, fired["tenant-in"].detail) == ("failed", "RuntimeError")
    assert fired["tenant-nz"].outcome == "ran"
    (slot,) = processes[0].store.schedule.slots("tenant-in", "recording")
    assert (slot.state, slot.note) == ("failed", "RuntimeError")


async def test_a_dead_processes_slot_is_taken_over_after_its_lease(
    processes: list[Runtime], clock: FakeClock
) -> None:
    store = processes[0].store
    slot = datetime(2026, 7, 15, 4, 30, tzinfo=UTC)
    now = datetime(2026, 7, 15, 4, 31, tzinfo=UTC)
    assert store.schedule.claim("tenant-in", "recording", slot, "dead", now, 600)
    later = now + timedelta(seconds=300)
    assert not processes[1].store.schedule.claim("tenant-in", "recording", slot, "b", later, 600)
    later = now + timedelta(seconds=601)
    assert processes[1].store.schedule.claim("tenant-in", "recording", slot, "b", later, 600)


def test_cadences_agree_across_processes_and_clock_changes() -> None:
    every = Every(900)
    moment = datetime(2026, 7, 15, 4, 31, 7, tzinfo=UTC)
    assert every.latest(moment) == datetime(2026, 7, 15, 4, 30, tzinfo=UTC)
    assert every.after(moment) == datetime(2026, 7, 15, 4, 45, tzinfo=UTC)
    # 10:00 in Auckland on both sides of its April clock change (NZDT +13 → NZST +12)
    daily = Daily(time(10), ("sat", "sun", "mon"), AUCKLAND)
    before = datetime(2026, 4, 3, 12, 0, tzinfo=UTC)
    assert daily.after(before) == datetime(2026, 4, 3, 21, 0, tzinfo=UTC)  # Sat 10:00 NZDT
    after_change = daily.after(datetime(2026, 4, 4, 12, 0, tzinfo=UTC))
    assert after_change == datetime(2026, 4, 4, 22, 0, tzinfo=UTC)  # Sun 10:00 NZST
    assert daily.latest(datetime(2026, 4, 7, 12, 0, tzinfo=UTC)) == datetime(
        2026, 4, 5, 22, 0, tzinfo=UTC
    )  # Tuesday: the latest slot is Monday's
