"""What a reminder run reads from Xero, with the fewest calls.

- the organisation (time zone, country): one call, cached for an hour;
- the invoices that may need a reminder: ``Statuses=AUTHORISED`` plus a ``where`` on type,
  amount due and due date, ``summaryOnly``, 1,000 per page, so 10,000 invoices cost 10 calls.
  Each page is written to the store as it arrives (memory stays flat);
- the contacts' phones: a store cache, paged in once (1,000 per call) and then refreshed with
  ``If-Modified-Since`` (usually a single call returning the few contacts that changed);
- the opt-out contact group's members: two calls (the groups, then the group).

Every call is counted in ``XeroCalls`` under its purpose, for the run's report.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

from component import errors
from component.notify.budget import XeroCalls
from component.storage.reminder_cache import Candidate, CandidatesRepo, ContactsCacheRepo
from component.xero import where
from component.xero.client import XeroClient
from component.xero.dates import calendar_date, modified_since_header, parse_xero_datetime
from component.xero.organisation import get_organisation, zone_for
from component.xero.paging import MAX_PAGE_SIZE, is_last_page

log = logging.getLogger("xero_wa.reminders")


@dataclass(frozen=True)
class OrgInfo:
    tenant_id: str
    name: str
    country: str | None
    zone: ZoneInfo


@dataclass(frozen=True)
class Window:
    """Due dates that can need a reminder: ``earliest`` (or any) to ``latest``, inclusive."""

    latest: date
    earliest: date | None = None

    def where(self) -> str:
        since = f"DueDate>={where.day(self.earliest)}" if self.earliest else None
        return where.all_of(
            'Type=="ACCREC"',
            "AmountDue>0",
            f"DueDate<{where.day(self.latest + timedelta(days=1))}",
            since,
        )


async def organisation(client: XeroClient, calls: XeroCalls) -> OrgInfo:
    before = client.limiter().sent
    org = await get_organisation(client)
    calls.add("organisation", client.limiter().sent - before)
    country = org.get("CountryCode")
    return OrgInfo(
        tenant_id=client.session.tenant_id or "",
        name=str(org.get("Name") or ""),
        country=country if isinstance(country, str) else None,
        zone=zone_for(org.get("Timezone")),
    )


async def group_members(client: XeroClient, name: str, calls: XeroCalls) -> frozenset[str] | None:
    """ContactIDs (lower case) in the contact group ``name``; None when Xero has no such group."""
    calls.add("contact_groups")
    try:
        body = await client.get_json("/ContactGroups", what="listing contact groups")
    except errors.UpstreamError as exc:
        if exc.status == 404:
            return None
        raise
    wanted = name.strip().casefold()
    group = next(
        (
            g
            for g in _list(body, "ContactGroups")
            if str(g.get("Name", "")).strip().casefold() == wanted
            and g.get("Status", "ACTIVE") == "ACTIVE"
        ),
        None,
    )
    if group is None:
        return None
    calls.add("contact_groups")
    detail = await client.get_json(
        f"/ContactGroups/{group.get('ContactGroupID')}", what=f"reading contact group {name!r}"
    )
    groups = _list(detail, "ContactGroups")
    members = groups[0].get("Contacts", []) if groups else []
    return frozenset(str(c.get("ContactID", "")).lower() for c in members if isinstance(c, dict))


async def sync_contacts(client: XeroClient, cache: ContactsCacheRepo, calls: XeroCalls) -> int:
    """Bring the contacts cache up to date; returns how many contacts changed."""
    tenant_id = client.session.tenant_id or ""
    since = cache.modified_since(tenant_id) or None
    headers = {"If-Modified-Since": modified_since_header(since)} if since else None
    newest: str | None = None
    changed = 0
    page = 1
    while True:
        calls.add("contacts")
        body = await client.get_json(
            "/Contacts",
            params={"page": str(page), "pageSize": str(MAX_PAGE_SIZE), "includeArchived": "true"},
            headers=headers,
            what=f"refreshing the contacts cache (page {page})",
        )
        contacts = _list(body, "Contacts")
        rows = list(_contact_rows(contacts))
        changed += cache.put_many(tenant_id, rows)
        for _cid, _name, _phones, updated in rows:
            if updated and (newest is None or updated > newest):
                newest = updated
        if is_last_page(body, page, len(contacts), MAX_PAGE_SIZE, "pagination.pageCount"):
            break
        page += 1
    cache.mark_synced(tenant_id, newest)
    return changed


async def load_candidates(
    client: XeroClient,
    repo: CandidatesRepo,
    run_id: str,
    window: Window,
    calls: XeroCalls,
) -> int:
    """Page the invoices in ``window`` into the store; returns how many were written."""
    tenant_id = client.session.tenant_id or ""
    params = {
        "Statuses": "AUTHORISED",
        "where": window.where(),
        "summaryOnly": "true",
        "pageSize": str(MAX_PAGE_SIZE),
    }
    written = 0
    page = 1
    while True:
        calls.add("invoices")
        body = await client.get_json(
            "/Invoices",
            params={**params, "page": str(page)},
            what=f"listing invoices due for a reminder (page {page})",
        )
        invoices = _list(body, "Invoices")
        written += repo.add_many(run_id, _candidates(tenant_id, invoices))
        if is_last_page(body, page, len(invoices), MAX_PAGE_SIZE, "pagination.pageCount"):
            return written
        page += 1


def _candidates(tenant_id: str, invoices: list[dict[str, Any]]) -> Iterator[Candidate]:
    for inv in invoices:
        contact = inv.get("Contact") or {}
        due = calendar_date(inv, "DueDate")
        amount = _decimal(inv.get("AmountDue"))
        if (
            inv.get("Type") != "ACCREC"
            or inv.get("Status") not in (None, "AUTHORISED")
            or due is None
            or amount is None
            or amount <= 0
            or not contact.get("ContactID")
        ):
            continue
        yield Candidate(
            tenant_id=tenant_id,
            contact_id=str(contact["ContactID"]).lower(),
            invoice_id=str(inv.get("InvoiceID", "")).lower(),
            number=str(inv.get("InvoiceNumber") or inv.get("InvoiceID")),
            contact_name=str(contact.get("Name") or ""),
            due=due,
            amount_due=amount,
            currency=str(inv.get("CurrencyCode") or "").upper(),
        )


def _contact_rows(
    contacts: list[dict[str, Any]],
) -> Iterator[tuple[str, str, list[Any], str | None]]:
    for contact in contacts:
        cid = contact.get("ContactID")
        if not cid:
            continue
        phones = [
            p
            for p in contact.get("Phones") or []
            if isinstance(p, dict) and (p.get("PhoneNumber") or p.get("PhoneAreaCode"))
        ]
        updated = parse_xero_datetime(contact.get("UpdatedDateUTC"))
        stamp = (
            (updated - timedelta(seconds=1)).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S")
            if updated
            else None
        )
        yield str(cid), str(contact.get("Name") or ""), phones, stamp


def _decimal(value: Any) -> Decimal | None:
    if isinstance(value, bool) or value is None:
        return None
    try:
        return Decimal(str(value)).quantize(Decimal("0.01"))
    except InvalidOperation:
        return None


def _list(body: Any, key: str) -> list[dict[str, Any]]:
    items = body.get(key) if isinstance(body, dict) else None
    return [i for i in items if isinstance(i, dict)] if isinstance(items, list) else []
