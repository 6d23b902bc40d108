"""The scheduler: each registered job, for each organisation, once per slot across processes.

Each tick (every ``XERO_WA_SCHEDULER_TICK_SECONDS`` of the runtime's clock, so tests move time
instead of sleeping) the scheduler reads the organisations and, for every job:

1. asks the job for the organisation's cadence and the latest slot at or before now;
2. skips it when that slot (or a newer one) was already claimed by any process, or when it
   falls before the organisation was added (connecting an organisation at 15:00 does not run
   the 10:00 slot it never had);
3. waits while the job is closed (quiet hours, not a business day): the slot runs as soon as it
   opens, or is superseded by the next slot;
4. claims the slot in the store (``INSERT … ON CONFLICT DO NOTHING``): exactly one process runs
   it; the run is recorded (``xero-wa runs``) and the owner told.

Only the latest slot is ever considered, which is what makes catching up after downtime happen
once: three missed days produce one run, not three. Runs of different organisations go on
concurrently (``XERO_WA_SCHEDULER_CONCURRENCY``); one failing does not touch the others.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from component import errors
from component.history.record import new_run_id
from component.orgs.view import Organisation, load_all
from component.scheduler import summary
from component.scheduler.jobs import JobContext, JobResult, PeriodicJob, registered
from component.service.worker import new_owner
from component.storage.events import parse_stamp

log = logging.getLogger("xero_wa.scheduler")


@dataclass(frozen=True)
class Due:
    org: Organisation
    job: PeriodicJob
    slot: datetime


@dataclass(frozen=True)
class Fired:
    tenant_id: str
    job: str
    slot: datetime
    outcome: str  # ran | failed | taken
    run_id: str | None = None
    detail: str = ""


@dataclass(frozen=True)
class Upcoming:
    org: Organisation
    job: str
    at: datetime | None
    why: str = ""

    def to_json(self) -> dict[str, object]:
        return {
            "tenantId": self.org.tenant_id,
            "organisation": self.org.name,
            "job": self.job,
            "nextRun": self.at.isoformat() if self.at else None,
            **({"why": self.why} if self.why else {}),
        }


class Scheduler:
    def __init__(
        self,
        context: JobContext,
        jobs: Sequence[PeriodicJob] | None = None,
        *,
        owner: str | None = None,
    ) -> None:
        self.ctx = context
        self._jobs = list(jobs) if jobs is not None else None
        self.owner = owner or new_owner()
        self.fired: list[Fired] = []
        self._stopping = asyncio.Event()

    @property
    def jobs(self) -> list[PeriodicJob]:
        return self._jobs if self._jobs is not None else registered()

    # ------------------------------------------------------------------ one pass
    async def tick(self) -> list[Fired]:
        """Run every slot that is due now; returns what this process did."""
        runtime = self.ctx.runtime
        orgs = await asyncio.to_thread(load_all, runtime, self.ctx.defaults)
        for org in orgs:
            for job in self.jobs:
                try:
                    await job.prepare(self.ctx, org)
                except errors.XeroWaError as exc:
                    log.warning("%s: %s not prepared: %s", org.name, job.name, exc.message)
        if any(org.row.time_zone is None for org in orgs):  # prepare may have read zones
            orgs = await asyncio.to_thread(load_all, runtime, self.ctx.defaults, sync=False)
        due = await asyncio.to_thread(self.due, orgs, runtime.clock.now())
        limit = asyncio.Semaphore(max(1, self.ctx.config.xero_wa_scheduler_concurrency))

        async def fire(item: Due) -> Fired:
            async with limit:
                return await self._fire(item)

        fired = list(await asyncio.gather(*(fire(item) for item in due)))
        self.fired.extend(fired)
        return fired

    def due(self, orgs: Sequence[Organisation], now: datetime) -> list[Due]:
        """The (organisation, job, slot) that should run now and were not claimed yet."""
        found = []
        schedule = self.ctx.runtime.store.schedule
        for org in orgs:
            if not org.enabled:
                continue
            added = parse_stamp(org.row.created_at)
            for job in self.jobs:
                cadence = job.cadence(org)
                slot = cadence.latest(now) if cadence is not None else None
                if slot is None or slot < added:
                    continue
                last = schedule.latest(org.tenant_id, job.name)
                if last is not None and last.slot >= slot:
                    continue
                if not job.catch_up and now - slot > timedelta(seconds=job.lease_seconds):
                    continue
                closed = job.closed(org, now)
                if closed is not None:
                    log.debug("%s: %s slot %s waits: %s", org.name, job.name, slot, closed)
                    continue
                found.append(Due(org, job, slot))
        return found

    async def _fire(self, item: Due) -> Fired:
        runtime = self.ctx.runtime
        org, job, slot = item.org, item.job, item.slot
        claimed = await asyncio.to_thread(
            runtime.store.schedule.claim,
            org.tenant_id,
            job.name,
            slot,
            self.owner,
            runtime.clock.now(),
            job.lease_seconds,
        )
        if not claimed:
            return Fired(org.tenant_id, job.name, slot, "taken")
        run_id = new_run_id(runtime.clock.now())
        log.info("%s: %s for slot %s starts (run %s)", org.name, job.name, slot, run_id)
        try:
            result = await job.run(self.ctx, org, slot, run_id)
        except Exception as exc:
            detail = exc.message if isinstance(exc, errors.XeroWaError) else type(exc).__name__
            if not isinstance(exc, errors.XeroWaError):
                log.exception("%s: %s crashed", org.name, job.name)
            await self._finish(item, run_id, ok=False, note=detail)
            if job.summarise:
                await summary.tell_owner(self.ctx, org, job.name, JobResult(run_id), detail)
            return Fired(org.tenant_id, job.name, slot, "failed", run_id, detail)
        await self._finish(item, result.run_id, ok=True, note=None)
        if job.summarise:
            await summary.tell_owner(self.ctx, org, job.name, result, None)
        return Fired(org.tenant_id, job.name, slot, "ran", result.run_id)

    async def _finish(self, item: Due, run_id: str, *, ok: bool, note: str | None) -> None:
        runtime = self.ctx.runtime
        await asyncio.to_thread(
            lambda: runtime.store.schedule.finish(
                item.org.tenant_id,
                item.job.name,
                item.slot,
                self.owner,
                runtime.clock.now(),
                ok=ok,
                run_id=run_id,
                note=note,
            )
        )

    # ------------------------------------------------------------------ reading
    def upcoming(self, orgs: Sequence[Organisation], now: datetime) -> list[Upcoming]:
        return next_runs(orgs, now, self.jobs)

    # ------------------------------------------------------------------ running
    async def run_forever(self) -> None:
        """Tick until stopped; a failing tick is logged and the next one goes on."""
        interval = self.ctx.config.xero_wa_scheduler_tick_seconds
        while not self._stopping.is_set():
            try:
                await self.tick()
            except Exception:
                log.exception("scheduler tick failed; continuing")
            sleeper = asyncio.ensure_future(self.ctx.runtime.clock.sleep(interval))
            stopper = asyncio.ensure_future(self._stopping.wait())
            try:
                await asyncio.wait({sleeper, stopper}, return_when=asyncio.FIRST_COMPLETED)
            finally:
                for task in (sleeper, stopper):
                    task.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        await task

    def stop(self) -> None:
        self._stopping.set()


def next_runs(
    orgs: Sequence[Organisation], now: datetime, jobs: Sequence[PeriodicJob] | None = None
) -> list[Upcoming]:
    """Every organisation's next slot of every job, or why it has none (``xero-wa schedule``,
    the dashboard's "next run")."""
    out = []
    for org in orgs:
        for job in jobs if jobs is not None else registered():
            if not org.enabled:
                out.append(Upcoming(org, job.name, None, "organisation switched off"))
                continue
            cadence = job.cadence(org)
            if cadence is None:
                out.append(Upcoming(org, job.name, None, _why_not(org, job)))
                continue
            out.append(Upcoming(org, job.name, cadence.after(now)))
    return out


def _why_not(org: Organisation, job: PeriodicJob) -> str:
    for problem in org.problems:
        if problem.severity == "error":
            return problem.message
    if job.name == "reminders" and not org.jobs.reminders:
        return "reminders are off"
    if org.schedule.zone is None:
        return "time zone not read from Xero yet"
    return "not scheduled"
