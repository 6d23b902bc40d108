"""Polling triggers as scheduler jobs (the seam of ``component.scheduler.jobs``).

Each trigger named in ``XERO_WA_POLL_TRIGGERS`` (comma-separated keys; none by default: every
run costs each organisation Xero calls against its daily limit, and new-invoice alerts already
have their own catch-up poll) becomes the job ``poll:<key>``, run for every organisation that can
work every ``XERO_WA_POLL_TRIGGER_SECONDS`` (900). A run is ``xero-wa poll KEY --org ORG
--queue``: the first records the present, later ones report each change once, and INVOICE and
CONTACT events go to the worker's queue, where alerts handle them as they handle webhook events.
A slot is claimed once across processes by the scheduler, and a rerun of a slot reports nothing
twice (the trigger's state, not the slot, says what was reported).
"""

from __future__ import annotations

import asyncio
from datetime import datetime

from component import errors
from component.orgs.view import Organisation
from component.polling.engine import run_trigger
from component.polling.runner import enqueue, polling_triggers
from component.runtime import Runtime
from component.scheduler.cadence import Cadence, Every
from component.scheduler.jobs import JobContext, JobResult, PeriodicJob

VARIABLE = "XERO_WA_POLL_TRIGGERS"


class PollJob(PeriodicJob):
    """One polling trigger, run for every organisation every ``seconds``."""

    catch_up = True

    def __init__(self, trigger: str, seconds: float) -> None:
        self.trigger = trigger
        self.seconds = seconds
        self.name = f"poll:{trigger}"
        self.lease_seconds = max(300.0, seconds)

    def cadence(self, org: Organisation) -> Cadence | None:
        return Every(self.seconds) if org.works else None

    async def run(
        self, ctx: JobContext, org: Organisation, slot: datetime, run_id: str
    ) -> JobResult:
        spec = ctx.runtime.registry.trigger(self.trigger).spec
        defaults = {i.key: i.default for i in spec.inputs if i.default is not None}
        result = await run_trigger(ctx.runtime, await ctx.xero(org), spec, defaults)
        queued = await asyncio.to_thread(enqueue, ctx.runtime, result)
        summary = {
            "trigger": self.trigger,
            "firstRun": result.first_run,
            "events": len(result.events),
            "queued": queued,
        }
        return JobResult(run_id, summary)


def configured_jobs(runtime: Runtime, keys: str, seconds: float) -> list[PeriodicJob]:
    """A job per trigger named in ``keys``; an unknown name is an error naming the variable."""
    wanted = [k.strip() for k in keys.split(",") if k.strip()]
    known = polling_triggers(runtime)
    unknown = [k for k in wanted if k not in known]
    if unknown:
        raise errors.InputError.single(
            VARIABLE,
            f"{', '.join(unknown)} {'is' if len(unknown) == 1 else 'are'} not a polling trigger; "
            f"choose from {', '.join(known)}",
        )
    return [PollJob(key, seconds) for key in dict.fromkeys(wanted)]
