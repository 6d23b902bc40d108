"""The reminder job on the scheduler: each organisation's ``sendPaymentReminders`` at its time.

Slots fall at the organisation's reminder time (default 10:00) on its days, in its Xero time
zone; the time zone is read from Xero (``GET /Organisation``, once) before the first slot can be
computed. The job stays closed on days that are not business days (or holidays) of its policy
and inside its quiet hours, so a run caught up after downtime never lands in the night. A run is
the ``sendPaymentReminders`` action, invoked like any front end does, with the organisation's
policy and WhatsApp connection; its outbox makes a run that is taken over after a crash safe.
"""

from __future__ import annotations

import asyncio
from datetime import datetime

from component.history.record import SCHEDULED, Scheduled
from component.orgs.view import REMINDERS, Organisation
from component.reminders.run import closed_reason
from component.scheduler.cadence import Cadence, Daily
from component.scheduler.jobs import JobContext, JobResult, PeriodicJob, register
from component.xero.client import XeroClient
from component.xero.organisation import get_organisation, zone_for


class ReminderJob(PeriodicJob):
    name = REMINDERS
    #: A reminder run of a large organisation takes minutes; an hour is "certainly dead".
    lease_seconds = 3600.0
    summarise = True

    def cadence(self, org: Organisation) -> Cadence | None:
        zone = org.schedule.zone
        if not org.runs(REMINDERS) or zone is None or not org.schedule.days:
            return None
        return Daily(org.schedule.at, org.schedule.days, zone)

    def closed(self, org: Organisation, now: datetime) -> str | None:
        policy, zone = org.policy.policy, org.schedule.zone
        if policy is None or zone is None:
            return "no valid policy or time zone"
        local = now.astimezone(zone)
        gate = closed_reason(policy, local.date(), local)
        return gate[1] if gate is not None else None

    async def prepare(self, ctx: JobContext, org: Organisation) -> None:
        """Read the organisation's time zone (and name, country) from Xero once."""
        if org.row.time_zone is not None or not org.runs(REMINDERS):
            return
        session = await ctx.xero(org)
        found = await get_organisation(XeroClient(ctx.runtime, session))
        zone = zone_for(found.get("Timezone"))
        country = found.get("CountryCode")
        await asyncio.to_thread(
            ctx.runtime.store.organisations.remember_zone,
            org.tenant_id,
            zone.key,
            country if isinstance(country, str) else None,
            str(found.get("Name") or ""),
            ctx.runtime.clock.now(),
        )

    async def run(
        self, ctx: JobContext, org: Organisation, slot: datetime, run_id: str
    ) -> JobResult:
        session = await ctx.xero(org)
        inputs: dict[str, object] = {
            "tenant": org.tenant_id,
            "whatsappConnection": ctx.whatsapp_ref(org),
        }
        if org.policy.source != "default" and org.policy.text is not None:
            inputs["policy"] = org.policy.text
        token = SCHEDULED.set(Scheduled(slot, run_id))
        try:
            result = await ctx.executor.invoke(
                "sendPaymentReminders", inputs, session=session, source="schedule"
            )
        finally:
            SCHEDULED.reset(token)
        return JobResult(run_id, dict(result["data"]))


JOB = register(ReminderJob())
