"""The records of a claimed batch fetched together: one ``GET /Invoices?IDs=…`` per tenant and 50.

Xero's webhooks carry no record, and one ``GET /Invoices/{id}`` per event drains a backlog at
Xero's 60 calls a minute: 1 event a second, a 10,000-event backlog in 2.9 hours and two days of
the tenant's budget. Xero's list endpoints take ``IDs=`` (a comma list; more than about 50 GUIDs
makes the URL too long), so before a claimed batch starts, the records of its INVOICE and
CONTACT events are fetched per tenant, 50 ids a call, and each event then takes its record from
here: a backlog costs one call per 50 events.

An id the list does not return (an invoice deleted for good, a call that failed, an id that is
not a GUID) is fetched alone by its event, as before, so its error retries or parks that event
only. Events that already carry their record (the catch-up poll's) cost nothing.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from component import errors
from component.runtime import Runtime
from component.sessions import Session
from component.storage.events import Event
from component.xero.client import XeroClient

log = logging.getLogger("xero_wa.alerts")

#: Ids per list call: Xero's URL length allows about 50 GUIDs.
MAX_IDS = 50
#: category → (list path, collection in the answer, id field)
LISTS = {
    "INVOICE": ("/Invoices", "Invoices", "InvoiceID"),
    "CONTACT": ("/Contacts", "Contacts", "ContactID"),
}
_GUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")

SessionFor = Callable[[str], Awaitable[Session]]


@dataclass
class Prefetched:
    """Records fetched for claimed events, each taken once by its event."""

    runtime: Runtime
    #: event id → its record
    _records: dict[int, dict[str, Any]] = field(default_factory=dict)
    #: list calls made (for the log and the bench)
    calls: int = 0

    async def fetch(self, events: list[Event], session_for: SessionFor) -> None:
        """Fetch the records of ``events`` that carry none (their events take them later).

        A record left from an earlier claim of the same event (given back unstarted) is
        dropped first: a new claim never runs on an old record."""
        for event in events:
            self._records.pop(event.id, None)
        wanted: dict[tuple[str, str], dict[str, list[Event]]] = {}
        for event in events:
            resource = event.resource_id.lower()
            if event.payload is None and event.category in LISTS and _GUID.match(resource):
                group = wanted.setdefault((event.tenant_id, event.category), {})
                group.setdefault(resource, []).append(event)
        for (tenant, category), by_id in wanted.items():
            ids = list(by_id)
            for start in range(0, len(ids), MAX_IDS):
                chunk = ids[start : start + MAX_IDS]
                found = await self._list(tenant, category, chunk, session_for)
                for record in found:
                    key = str(record.get(LISTS[category][2]) or "").lower()
                    for event in by_id.get(key, ()):
                        self._records[event.id] = record

    def peek(self, event: Event) -> dict[str, Any] | None:
        """The record fetched for ``event``, left for the event to take."""
        return self._records.get(event.id)

    def take(self, event: Event) -> dict[str, Any] | None:
        """The record fetched for ``event`` (once), or None: the event fetches it alone."""
        return self._records.pop(event.id, None)

    async def _list(
        self, tenant: str, category: str, ids: list[str], session_for: SessionFor
    ) -> list[dict[str, Any]]:
        path, collection, _ = LISTS[category]
        try:
            session = await session_for(tenant)
            body = await XeroClient(self.runtime, session).get_json(
                path, params={"IDs": ",".join(ids)}, what=f"GET {path}?IDs= ({len(ids)} ids)"
            )
        except errors.XeroWaError as exc:  # each event fetches its own record (and fails alone)
            log.info("fetching %d %s records together failed: %s", len(ids), category, exc.message)
            return []
        finally:
            self.calls += 1
        records = body.get(collection) if isinstance(body, dict) else None
        return [r for r in records or [] if isinstance(r, dict)]
