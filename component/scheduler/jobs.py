"""The registration seam: what a periodic per-organisation job is, and the list of them.

A job says, for one organisation, *when* its slots fall (``cadence``), whether it may run *now*
(``closed``: quiet hours, a holiday…), and *what* a run does (``run``). The scheduler does the
rest: it computes the due slot of every job for every organisation, claims it in the store so
exactly one process runs it, catches up once after downtime, records the run and tells the
owner. To add a job (a polling trigger, a digest…)::

    from component.scheduler.cadence import Every
    from component.scheduler.jobs import JobContext, JobResult, PeriodicJob, register

    class PollContacts(PeriodicJob):
        name = "poll:contacts"
        lease_seconds = 300.0

        def cadence(self, org):
            return Every(900) if org.works else None  # None: not scheduled for this org

        async def run(self, ctx, org, slot, run_id):
            session = await ctx.xero(org)
            data = await ctx.executor.invoke("listContacts", {...}, session=session,
                                             source="schedule")
            return JobResult(run_id, {"found": len(data["data"])})

    register(PollContacts())

``xero-wa serve`` runs every registered job; ``xero-wa schedule`` lists their next slots. Jobs
must be idempotent per slot: a process that dies mid-run leaves its slot ``running`` until the
lease passes, and another process then runs the slot again.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from component.scheduler.cadence import Cadence

if TYPE_CHECKING:
    from component.executor import Executor
    from component.orgs.defaults import OrgDefaults
    from component.orgs.view import Organisation
    from component.runtime import Runtime
    from component.service.config import ServiceConfig
    from component.service.connections import ServiceConnections
    from component.sessions import Session, StoredOrInline


@dataclass
class JobContext:
    """What every job run gets: the process's runtime, executor, connections and settings."""

    runtime: Runtime
    executor: Executor
    connections: ServiceConnections
    config: ServiceConfig
    defaults: OrgDefaults

    async def xero(self, org: Organisation) -> Session:
        """The Xero session that acts for ``org`` (its tenant selected)."""
        return await self.connections.xero(org.tenant_id)

    async def whatsapp(self, org: Organisation) -> Session:
        return await self.connections.whatsapp(org.tenant_id)

    def whatsapp_ref(self, org: Organisation) -> StoredOrInline | None:
        """The WhatsApp connection as an action input: an explicit one, else the org's own."""
        return self.connections.whatsapp_ref or org.whatsapp.name


@dataclass(frozen=True)
class JobResult:
    run_id: str
    #: The run's report (for reminders: ``Report.to_json()``), shown in the owner summary.
    summary: dict[str, Any] = field(default_factory=dict)


class PeriodicJob(ABC):
    """Base class of scheduled jobs; subclasses set ``name`` and implement ``cadence``/``run``."""

    name: str = ""
    #: A run holding its slot longer than this is presumed dead and may be taken over.
    lease_seconds: float = 600.0
    #: After downtime, run the latest missed slot once (False: only slots that are due now).
    catch_up: bool = True
    #: Send the organisation's owner a summary after each run.
    summarise: bool = False

    @abstractmethod
    def cadence(self, org: Organisation) -> Cadence | None:
        """When this job's slots fall for ``org``; None when it does not run for ``org``."""

    def closed(self, org: Organisation, now: datetime) -> str | None:
        """Why the job may not run at ``now`` (it waits and runs once this clears), or None."""
        return None

    async def prepare(self, ctx: JobContext, org: Organisation) -> None:  # noqa: B027 - optional hook
        """Anything to learn before ``cadence`` can answer (e.g. the organisation's time zone)."""

    @abstractmethod
    async def run(
        self, ctx: JobContext, org: Organisation, slot: datetime, run_id: str
    ) -> JobResult:
        """Do the slot's work; raise to record the run as failed (the slot is not retried)."""


_JOBS: dict[str, PeriodicJob] = {}


def register(job: PeriodicJob) -> PeriodicJob:
    """Add (or replace, by name) a job every scheduler in this process runs."""
    if not job.name:
        raise ValueError("a periodic job needs a name")
    _JOBS[job.name] = job
    return job


def unregister(name: str) -> None:
    _JOBS.pop(name, None)


def registered() -> list[PeriodicJob]:
    """The registered jobs; the reminder job is always first."""
    from component.scheduler import reminders  # registers itself on import

    assert reminders.JOB.name in _JOBS
    return list(_JOBS.values())
