"""One run of a polling trigger for one organisation, the way Prismatic's "New and Updated
Records" trigger works: ``If-Modified-Since`` plus the ids already seen.

- **First run**: records the present and emits nothing (a new trigger must not flood a flow with
  an organisation's whole history): one call asks for what changed in the last two minutes, and
  those records count as already seen, so the next run's overlap does not report them.
- **Later runs** ask for what changed since the newest change already reported, less a two-minute
  overlap (Xero's stamps are whole seconds and clocks differ), fetch every page, and emit each
  record whose ``UpdatedDateUTC`` was not reported before: a change inside the overlap is never
  missed and never reported twice. The mark moves to the newest ``UpdatedDateUTC`` Xero returned
  (Xero's clock, not ours), and the seen map keeps only what the next overlap can return again.
- **Overdue by N days** asks Xero for AUTHORISED sales invoices due N or more days ago (in the
  organisation's calendar) and emits each one once, when it first qualifies; an invoice that is
  paid drops out of the seen set, so one that becomes overdue again later is reported again.

Events have the shape of Xero's webhook events (``resourceUrl``, ``resourceId``,
``eventDateUtc``, ``eventType``, ``eventCategory``, ``tenantId``, ``tenantType``). Xero's lists
carry no creation time, so a polled change is always ``UPDATE`` (the alerts worker, like Xero's
own guidance, fetches the record either way). Categories beyond Xero's webhook list (PAYMENT,
QUOTE, BANKTRANSACTION) are named the same way.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from component import errors
from component.runtime import Runtime
from component.sessions import Session
from component.spec.models import PollSpec, TriggerSpec
from component.storage.events import stamp
from component.storage.poll_state import PollState
from component.xero.client import XeroClient
from component.xero.dates import modified_since_header, parse_xero_datetime
from component.xero.overdue import list_overdue_invoices, overdue_query
from component.xero.paging import collect_pages

OVERLAP = timedelta(minutes=2)
#: Quotes are paged by Xero 100 at a time and take no pageSize.
SMALL_PAGE = 100


@dataclass
class PollResult:
    trigger: str
    org: str
    first_run: bool
    events: list[dict[str, Any]] = field(default_factory=list)
    #: The records behind the events, in the same order (for the alerts queue and --json).
    records: list[dict[str, Any]] = field(default_factory=list)


async def run_trigger(
    runtime: Runtime, session: Session, spec: TriggerSpec, inputs: dict[str, Any]
) -> PollResult:
    """Run ``spec`` once for the session's organisation; the state is saved before returning."""
    poll = spec.poll
    if poll is None or session.tenant_id is None:
        raise errors.InputError.single(
            "trigger", f"{spec.key} is not a polling trigger of an organisation"
        )
    repo = runtime.store.poll_state
    org = session.tenant_id
    state = await asyncio.to_thread(repo.get, org, spec.key)
    client = XeroClient(runtime, session)
    now = runtime.clock.now()
    if poll.mode == "overdue":
        result, new_state = await _overdue(client, spec, poll, inputs, state, org, now)
    else:
        result, new_state = await _modified(client, spec, poll, state, org, now)
    await asyncio.to_thread(repo.save, org, spec.key, new_state, now)
    return result


async def _modified(
    client: XeroClient,
    spec: TriggerSpec,
    poll: PollSpec,
    state: PollState | None,
    org: str,
    now: datetime,
) -> tuple[PollResult, PollState]:
    first = state is None
    since = now if state is None else (_parse(state.since) or now)
    ask = since - OVERLAP
    records = await _fetch_changed(client, spec, poll, ask)
    result = PollResult(spec.key, org, first)
    newest = since
    previous = {} if state is None else state.seen
    seen = {k: v for k, v in previous.items() if (_parse(v) or now) >= ask}
    for record in sorted(records, key=lambda r: _updated(r) or now):
        record_id = str(record.get(poll.id_field) or "")
        updated = _updated(record)
        if not record_id or updated is None:
            continue
        if seen.get(record_id) == stamp(updated):
            continue  # reported by an earlier run (the overlap window returns it again)
        seen[record_id] = stamp(updated)
        newest = max(newest, updated)
        if not first:
            result.events.append(event(client, poll, org, record_id, updated))
            result.records.append(record)
    runs = 1 if state is None else state.runs + 1
    return result, PollState(since=stamp(newest), seen=seen, runs=runs)


async def _fetch_changed(
    client: XeroClient, spec: TriggerSpec, poll: PollSpec, ask: datetime
) -> list[dict[str, Any]]:
    headers = {"If-Modified-Since": modified_since_header(ask)}
    size = SMALL_PAGE if not poll.page_size else poll.page_size

    async def fetch_page(page: int) -> Any:
        params = {**poll.query, "page": str(page)}
        if poll.page_size:
            params["pageSize"] = str(poll.page_size)
        what = f"{spec.key} (GET {poll.path} page {page})"
        return await client.get_json(poll.path, params=params, headers=headers, what=what)

    merged = await collect_pages(fetch_page, items=poll.items, page_size=size, what=spec.key)
    return [r for r in merged.get(poll.items) or [] if isinstance(r, dict)]


async def _overdue(
    client: XeroClient,
    spec: TriggerSpec,
    poll: PollSpec,
    inputs: dict[str, Any],
    state: PollState | None,
    org: str,
    now: datetime,
) -> tuple[PollResult, PollState]:
    days = int(inputs.get("days") or 1)
    query = await overdue_query(client, min_days_overdue=days)
    found = (await list_overdue_invoices(client, query, what=spec.key)).get("Invoices") or []
    current = {
        str(i[poll.id_field]): i for i in found if isinstance(i, dict) and i.get(poll.id_field)
    }
    if state is None:
        return PollResult(spec.key, org, True), PollState(
            since=stamp(now), seen=dict.fromkeys(current, ""), runs=1
        )
    result = PollResult(spec.key, org, False)
    for invoice_id, invoice in current.items():
        if invoice_id not in state.seen:
            result.events.append(event(client, poll, org, invoice_id, now))
            result.records.append(invoice)
    return result, PollState(since=stamp(now), seen=dict.fromkeys(current, ""), runs=state.runs + 1)


def event(
    client: XeroClient, poll: PollSpec, org: str, record_id: str, when: datetime
) -> dict[str, Any]:
    """A webhook-shaped event for one record."""
    base = client.runtime.settings.xero_api_url.rstrip("/")
    moment = when.astimezone(UTC)
    return {
        "resourceUrl": f"{base}{poll.path}/{record_id}",
        "resourceId": record_id,
        "eventDateUtc": moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}",
        "eventType": "UPDATE",
        "eventCategory": poll.category,
        "tenantId": org,
        "tenantType": "ORGANISATION",
    }


def _updated(record: dict[str, Any]) -> datetime | None:
    return parse_xero_datetime(record.get("UpdatedDateUTC"))


def _parse(text: str | None) -> datetime | None:
    return parse_xero_datetime(text) if text else None
