"""sendPaymentReminders: the reminder job as an action (flow builder, JSON API, schedules).

All the work is in ``component.reminders``; this handler only turns inputs into run options and
the report into the output, and records the run (``xero-wa runs``) with its trigger: the CLI,
the API, or the scheduler (which names its slot and run id in ``SCHEDULED``). Configuration
errors met during the run are in the output (``configurationErrors``), not raised, so a schedule
sees what was sent despite them. A front end's progress hook (``executor.invoke(...,
progress=...)``) follows the run contact by contact, and its entry sink (``ENTRY_SINK``, set by
the CLI) receives the entries as they are made; a dry run needs no WhatsApp connection.
"""

from __future__ import annotations

import asyncio
from datetime import date
from typing import Any

from component import errors
from component.context import ActionContext
from component.history.record import SCHEDULED, recorded_run
from component.reminders.policy import load_policy, parse_policy
from component.reminders.report import ENTRY_SINK
from component.reminders.run import RunOptions, run_reminders


async def run(ctx: ActionContext) -> dict[str, Any]:
    text = ctx.inputs.get("policy")
    # Parsed in a worker thread: a policy can be up to 64 KB of YAML from an API caller.
    policy = await asyncio.to_thread(parse_policy, text, "policy") if text else load_policy()
    as_of = ctx.inputs.get("asOf")
    tenants = tuple(str(t) for t in ctx.inputs.get("tenant") or ())
    options = RunOptions(
        policy=policy,
        as_of=date.fromisoformat(as_of) if as_of else None,
        dry_run=bool(ctx.inputs.get("dryRun")),
        tenants=tenants or None,
        keep_entries=bool(ctx.inputs.get("includeEntries")),
        on_progress=ctx.progress,
        on_entry=ENTRY_SINK.get(),
    )
    whatsapp = ctx.connections.get("whatsappConnection")
    if whatsapp is None and not options.dry_run:
        raise ctx.missing_connections.get("whatsappConnection") or errors.ConnectionError(
            "sendPaymentReminders needs a WhatsApp connection",
            reconnect="pass whatsappConnection (a whatsappCloud connection)",
        )
    xero = ctx.require_session("xero")
    job = "reminders:dry-run" if options.dry_run else "reminders"
    tenant = tenants[0] if len(tenants) == 1 else ("all" if tenants else None)
    single = tenant if tenant and tenant != "all" else xero.tenant_id
    async with recorded_run(
        ctx.runtime,
        job=job,
        trigger=ctx.source,
        tenant_id=single if tenant != "all" else None,
        scheduled=SCHEDULED.get(),
    ) as recorded:
        report = await run_reminders(ctx.runtime, xero, whatsapp, options)
        recorded.finish(report.to_json())
    return report.to_json()
