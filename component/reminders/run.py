"""The reminder job: for each tenant, select → plan → send through the outbox → report.

One run, per tenant:

1. the organisation (time zone, country): "today", business days and quiet hours are its own;
   outside business days or inside quiet hours the run stops there (nothing listed, nothing
   sent: a later run sends, and the Xero budget is not spent for nothing);
2. opt-out group, contacts cache refresh, and the invoices in the reminder window, paged into
   the store (``select``);
3. contact by contact, a plan (``plan``): at most one message per contact, planned in batches
   in a worker thread, a batch ahead of the sends (``planning``);
4. messages go to a pool of senders (``send``): WhatsApp pacing (80/s, pair rate) is the
   client's, so the pool only keeps enough sends in flight to use it (``in_flight``);
5. history notes: queued durably, then the queue drained within the day's share of optional
   Xero calls (what is left waits for a later run), then the report.

Before anything, ``reconcile`` settles reminders left "sending" by a killed run when the
WhatsApp client had recorded Meta's acceptance (same callback key): those were sent.
"""

from __future__ import annotations

import asyncio
import math
import uuid
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from component import collector, errors
from component.notify.budget import OptionalCalls
from component.notify.fallback import email_invoices
from component.notify.locale import message_locale
from component.notify.notes import drain_notes, queue_notes
from component.notify.optouts import opted_out_now
from component.notify.recipient import phone_region
from component.notify.templates import Texts
from component.reminders import plan as p
from component.reminders import preflight, select
from component.reminders.blocks import Blocks
from component.reminders.planning import PlanAhead, Planned
from component.reminders.policy import Policy
from component.reminders.report import Entry, EntrySink, Report
from component.reminders.send import Sender
from component.reminders.stages import earliest_due_date, latest_due_date
from component.replies.pauses import contact_pause
from component.runtime import Runtime
from component.sessions import Session
from component.storage.notes_queue import OptionalCallsDailyRepo
from component.whatsapp.client import WhatsAppClient
from component.xero.client import XeroClient
from component.xero.tenants import list_tenants, pick_tenant

ALL_TENANTS = "all"
Progress = Callable[[int, int], None]

#: Seconds of sends kept in flight. A message spends about this long between its claim and its
#: outcome on a busy machine (three group commits, each waiting for the one before it, and the
#: request); a sender finishes one message before it takes the next, so with fewer senders than
#: ``rate * IN_FLIGHT_SECONDS`` the rate falls below the pacer's (16 senders reached 65/s of a
#: 1,000/s number, 51/s of 80/s, on a loaded 2-core machine).
IN_FLIGHT_SECONDS = 0.5
MIN_IN_FLIGHT = 16
#: Bounds the claims made ahead of the pacer (and the memory they hold) when the rate is huge.
MAX_IN_FLIGHT = 512


def in_flight(messages_per_second: float) -> int:
    """How many sends to keep in flight to use ``messages_per_second``."""
    wanted = math.ceil(messages_per_second * IN_FLIGHT_SECONDS)
    return max(MIN_IN_FLIGHT, min(MAX_IN_FLIGHT, wanted))


@dataclass(frozen=True)
class RunOptions:
    policy: Policy
    as_of: date | None = None
    dry_run: bool = False
    #: None: the connection's tenant; ("all",): every tenant it reaches; else names or ids.
    tenants: tuple[str, ...] | None = None
    #: Sends in flight at once (None: ``in_flight`` of the WhatsApp rate); the WhatsApp pacer,
    #: not this, sets the rate.
    concurrency: int | None = None
    keep_entries: bool = True
    on_progress: Progress | None = None
    #: Entries go here as they are made instead of into the report (``keep_entries`` implied).
    on_entry: EntrySink | None = None


async def run_reminders(
    runtime: Runtime, xero: Session, whatsapp: Session | None, options: RunOptions
) -> Report:
    """Run the job over the chosen tenants; raises only for errors that stop the whole run."""
    now = runtime.clock.now()
    run_id = f"{now:%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:8]}"
    keep = options.keep_entries or options.on_entry is not None
    report = Report(run_id, options.dry_run, keep, sink=options.on_entry)
    store = runtime.store
    store.candidates.clear_before(f"{now - timedelta(days=1):%Y%m%dT%H%M%S}")
    reconcile(runtime, report)
    if whatsapp is None and not options.dry_run:
        raise errors.ConnectionError(
            "sending reminders needs a WhatsApp connection",
            reconnect="run `xero-wa connect whatsapp`, pass --whatsapp-connection, or use --sandbox",
            api_reconnect="set the whatsappConnection input to a WhatsApp connection stored on the "
            "server (`xero-wa connect whatsapp` or the web app's Connections page)",
        )
    client = WhatsAppClient(runtime, whatsapp) if whatsapp is not None else None
    blocks = Blocks()
    texts = await preflight.check_templates(client, options.policy, blocks, report)
    try:
        for tenant_id in await tenant_ids(runtime, xero, options.tenants):
            session = xero.with_tenant(tenant_id)
            await _run_tenant(runtime, session, client, options, report, blocks, texts)
    finally:
        store.candidates.clear(run_id)
        report.finish()
    return report


def reconcile(runtime: Runtime, report: Report) -> int:
    """Resolve reminders stuck in review whose acceptance the WhatsApp client recorded."""
    store = runtime.store
    resolved = 0
    for message in store.outbox.needs_review():
        accepted = store.messages.sent_with_callback(message.key)
        if accepted and store.outbox.resolve(message.key, accepted[-1].wamid):
            resolved += 1
    if resolved:
        report.warn(f"{resolved} reminder(s) from an interrupted run were confirmed as sent")
    return resolved


async def tenant_ids(
    runtime: Runtime, session: Session, wanted: tuple[str, ...] | None
) -> list[str]:
    """The tenant ids to run for: the connection's own, all of them, or those named."""
    if not wanted and session.tenant_id:
        return [session.tenant_id]
    if wanted == (ALL_TENANTS,) and session.tenants:
        return list(session.tenants)
    listed = await list_tenants(XeroClient(runtime, session))
    if not wanted:  # a custom connection: bound to one organisation, found via /connections
        if len(listed) != 1:
            raise errors.InputError.single(
                "tenant", f"the connection reaches {len(listed)} organisations; pass --tenant"
            )
        return [str(listed[0]["tenantId"])]
    if wanted == (ALL_TENANTS,):
        return [str(t["tenantId"]) for t in listed if t.get("tenantId")]
    out: list[str] = []
    for name in wanted:
        found = pick_tenant(listed, name)
        if len(found) != 1:
            raise errors.InputError.single(
                "tenant", f"{name!r} matches {len(found)} of the connection's organisations"
            )
        out.append(str(found[0]["tenantId"]))
    return out


async def _run_tenant(
    runtime: Runtime,
    session: Session,
    whatsapp: WhatsAppClient | None,
    options: RunOptions,
    report: Report,
    blocks: Blocks,
    texts: Texts,
) -> None:
    policy = options.policy
    store = runtime.store
    client = XeroClient(runtime, session)
    calls = report.xero
    org = await select.organisation(client, calls)
    local_now = runtime.clock.now().astimezone(org.zone)
    as_of = options.as_of or local_now.date()
    gate = closed_reason(policy, as_of, local_now)
    info: dict[str, Any] = {"tenantId": org.tenant_id, "name": org.name, "asOf": as_of.isoformat()}
    info["timeZone"] = str(org.zone)
    report.tenants.append(info)
    if gate is not None and not options.dry_run:
        info["notRun"] = f"{gate[0]}: {gate[1]}"
        report.warn(f"{org.name}: nothing sent, {gate[1]}")
        return
    budget = policy.xero_budget
    daily = OptionalCallsDailyRepo(store)
    day = runtime.clock.now().astimezone(UTC).date()
    ration = OptionalCalls(
        client.limiter(),
        budget.reserve_calls,
        budget.max_optional_calls_per_run,
        day_share=int(budget.optional_share * runtime.settings.xero_daily_call_budget),
        day_used=await asyncio.to_thread(daily.used, org.tenant_id, day),
    )
    tenant = TenantRun(client, org, as_of, gate, ration, info)
    try:
        await _send_tenant(runtime, tenant, whatsapp, options, report, blocks, texts)
    finally:  # the day's share holds across runs and processes
        await asyncio.to_thread(daily.add, org.tenant_id, day, ration.used)


@dataclass(frozen=True)
class TenantRun:
    """One organisation's part of a run: its client, organisation, day and ration."""

    client: XeroClient
    org: select.OrgInfo
    as_of: date
    gate: tuple[str, str] | None
    ration: OptionalCalls
    info: dict[str, Any]


async def _send_tenant(
    runtime: Runtime,
    tenant: TenantRun,
    whatsapp: WhatsAppClient | None,
    options: RunOptions,
    report: Report,
    blocks: Blocks,
    texts: Texts,
) -> None:
    """Select, plan and send for one organisation, then queue and drain its History notes."""
    policy = options.policy
    store = runtime.store
    calls = report.xero
    client, org, as_of, gate, ration, info = (
        tenant.client, tenant.org, tenant.as_of, tenant.gate, tenant.ration, tenant.info
    )  # fmt: skip
    if whatsapp is not None and not options.dry_run:
        await _resume_emails(runtime, client, ration, report)
    members = frozenset[str]()
    group = policy.opt_out.contact_group
    if group:
        found = await select.group_members(client, group, calls)
        if found is None:
            report.warn(f"{org.name}: no Xero contact group named {group!r} (opt-out group)")
        members = found or members
    await select.sync_contacts(client, store.contacts_cache, calls)
    window = select.Window(latest_due_date(policy, as_of), earliest_due_date(policy, as_of))
    info["listed"] = await select.load_candidates(
        client, store.candidates, report.run_id, window, calls
    )
    region = phone_region(runtime, policy.phones.default_region, org.country)
    ctx = p.PlanContext(
        policy=policy,
        tenant_id=org.tenant_id,
        as_of=as_of,
        default_region=region,
        group_opted_out=members,
        opted_out=lambda contact, phone: _opted_out(runtime, org.tenant_id, contact, phone, policy),
        paused=lambda contact: contact_pause(runtime, org.tenant_id, contact, as_of),
    )
    sender = Sender(
        runtime=runtime,
        xero=client,
        whatsapp=whatsapp,
        policy=policy,
        locale=message_locale(policy.locale, org.country),
        run_id=report.run_id,
        report=report,
        ration=ration,
        calls=calls,
        blocks=blocks,
        texts=texts,
        dry_run=options.dry_run,
    )
    await _plan_and_send(runtime, ctx, sender, gate, options)
    if sender.notes:
        await asyncio.to_thread(queue_notes, client, sender.notes)
        sender.notes.clear()
    if not options.dry_run:
        written = await drain_notes(client, ration, calls)
        report.notes += written.written
        for warning in written.warnings:
            report.warn(warning)


async def _plan_and_send(
    runtime: Runtime,
    ctx: p.PlanContext,
    sender: Sender,
    gate: tuple[str, str] | None,
    options: RunOptions,
) -> None:
    store = runtime.store
    run_id = sender.run_id
    workers = options.concurrency or in_flight(runtime.settings.whatsapp_messages_per_second)
    workers = max(1, workers)
    queue: asyncio.Queue[p.Message | None] = asyncio.Queue(maxsize=workers * 2)
    total = await asyncio.to_thread(store.candidates.contact_ids, run_id, ctx.tenant_id)

    eligible = _Eligible(runtime, ctx.tenant_id)
    collector.settle()  # no full collection of the set-up's objects pausing the sends

    async def produce() -> None:
        planner = PlanAhead(store, ctx, run_id)
        done = 0
        try:
            while batch := await planner.next():
                for planned in batch:
                    done += 1
                    await hand_out(planned, done)
        finally:
            await planner.close()
        await eligible.flush()
        for _ in range(workers):
            await queue.put(None)

    async def hand_out(planned: Planned, done: int) -> None:
        plan = planned.plan
        _record_skips(sender.report, plan.skips, planned.contact_name, ctx.tenant_id)
        if not options.dry_run:
            await eligible.add(plan.due())
        if plan.message is not None:
            if gate is not None:  # a dry run outside business hours: show, do not send
                await sender.gated(plan.message, *gate)
            else:
                await queue.put(plan.message)
        if options.on_progress is not None:
            options.on_progress(done, total)

    async def work() -> None:
        while (message := await queue.get()) is not None:
            await sender.deliver(message)

    await _all_or_nothing([produce(), *(work() for _ in range(workers))])


class _Eligible:
    """The (invoice, stage) pairs a real run found due (the dashboard's "eligible",
    ``store.eligibility``), written in batches off the event loop: a token refresh holds the
    store's write lock while it awaits Xero on this loop, so no write may wait on the loop."""

    BATCH = 500

    def __init__(self, runtime: Runtime, tenant_id: str) -> None:
        self.runtime = runtime
        self.tenant_id = tenant_id
        self.pending: list[tuple[str, str]] = []

    async def add(self, due: list[tuple[str, str]]) -> None:
        self.pending += due
        if len(self.pending) >= self.BATCH:
            await self.flush()

    async def flush(self) -> None:
        batch, self.pending = self.pending, []
        if batch:
            seen = self.runtime.store.eligibility.seen
            await asyncio.to_thread(seen, self.tenant_id, batch, self.runtime.clock.now())


async def _all_or_nothing(coroutines: list[Coroutine[Any, Any, None]]) -> None:
    """Run together; the first exception cancels the rest and is raised as it is."""
    tasks = [asyncio.ensure_future(c) for c in coroutines]
    try:
        done, _pending = await asyncio.wait(tasks, return_when=asyncio.FIRST_EXCEPTION)
        for task in done:
            if task.exception() is not None:
                raise task.exception()  # type: ignore[misc]
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


async def _resume_emails(
    runtime: Runtime, client: XeroClient, ration: OptionalCalls, report: Report
) -> None:
    """E-mail fallbacks a killed run had claimed but not sent: send them now."""
    tenant = client.session.tenant_id
    for message in runtime.store.outbox.messages(state="intent"):
        reminder = message.details.get("reminder")
        if message.kind == "email" and message.tenant_id == tenant and reminder:
            emailed = await email_invoices(runtime, client, str(reminder), ration, report.xero)
            report.emails += emailed.sent
            for warning in emailed.warnings:
                report.warn(warning)


def closed_reason(policy: Policy, as_of: date, local_now: datetime) -> tuple[str, str] | None:
    """Why nothing may be sent now (not a business day, quiet hours), or None."""
    if not policy.is_business_day(as_of):
        return p.NOT_BUSINESS_DAY, f"{as_of:%A %d %B %Y} is not a business day"
    quiet = policy.quiet_hours
    if quiet is not None and quiet.contains(local_now.time()):
        return (
            p.QUIET_HOURS,
            f"{local_now:%H:%M} ({local_now.tzinfo}) is within the quiet hours "
            f"{quiet.start:%H:%M}–{quiet.end:%H:%M}",
        )
    return None


def _opted_out(
    runtime: Runtime, tenant_id: str, contact_id: str, phone: str | None, policy: Policy
) -> str | None:
    return opted_out_now(runtime, tenant_id, contact_id, phone if policy.opt_out.replies else None)


def _record_skips(report: Report, skips: list[p.Skip], contact: str, tenant: str) -> None:
    for skip in skips:
        report.skip(skip.reason)
        if report.keep_entries:
            report.add(
                Entry(
                    tenant=tenant,
                    contact=contact,
                    outcome="skipped",
                    invoices=[skip.candidate.number],
                    stage=skip.stage,
                    reason=skip.reason,
                    detail=skip.detail,
                )
            )
