"""One queued event → the work it stands for.

Xero's webhooks carry metadata only, so each event's record is fetched (with the event's tenant)
before anything is decided: an invoice goes to ``alerts``, a contact refreshes the contacts cache
the reminder job reads phone numbers from. Events of the catch-up poll already carry their record
and cost no second call. A ``WHATSAPP/UNDELIVERABLE`` event (queued by the status webhook for a
reminder that failed with 131026) asks Xero to e-mail the invoice instead. Other categories
(credit notes, subscriptions) are acknowledged.

Records are fetched together: before any event of a claimed batch starts, the records of its
events are listed per tenant, 50 ids a call (``alerts.records``); an event whose record did not
come back fetches it alone.

Stops come first: before any event of a claimed batch starts, the invoices whose record the
event carries (the catch-up poll's) or that were just fetched for it, and that are paid, voided
or deleted, stop their reminders (``before``); a record fetched alone stops them before
anything else is done with it.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

from component.alerts.invoices import Alerts, stop
from component.alerts.records import Prefetched
from component.executor import Executor
from component.notify.fallback import on_undeliverable
from component.notify.inbound import FALLBACK_CATEGORY, FALLBACK_TYPE
from component.notify.recipient import first_record, refresh_contacts
from component.replies import handle as replies
from component.replies.record import CATEGORY as REPLY_CATEGORY
from component.replies.record import REPLY_TYPES
from component.runtime import Runtime
from component.service.connections import ServiceConnections
from component.storage.events import Event


@dataclass
class EventProcessor:
    runtime: Runtime
    executor: Executor
    connections: ServiceConnections
    alerts: Alerts
    records: Prefetched = field(init=False)

    def __post_init__(self) -> None:
        self.records = Prefetched(self.runtime)

    async def before(self, events: list[Event]) -> None:
        """Fetch the batch's records together, then stop the reminders of every invoice the
        batch now knows is paid or voided."""
        await self.records.fetch(events, self.connections.xero)
        for event in events:
            if event.category == "INVOICE":
                record = event.payload or self.records.peek(event)
                if record is not None:
                    await stop(self.runtime, event.tenant_id, record)

    async def process(self, event: Event) -> str:
        """Do the event's work; raises XeroWaError (the worker decides: retry or park)."""
        if event.category == "INVOICE":
            session = await self.connections.xero(event.tenant_id)
            invoice = (
                event.payload
                or self.records.take(event)
                or await self._fetch(
                    session, "getInvoice", {"invoiceId": event.resource_id}, "Invoices"
                )
            )
            return await self.alerts.on_invoice(session, invoice)
        if event.category == "CONTACT":
            session = await self.connections.xero(event.tenant_id)
            contact = (
                event.payload
                or self.records.take(event)
                or await self._fetch(
                    session, "getContact", {"contactId": event.resource_id}, "Contacts"
                )
            )
            stored = await asyncio.to_thread(
                refresh_contacts, self.runtime, event.tenant_id, [contact]
            )
            return f"contact cache refreshed ({stored})"
        if event.category == REPLY_CATEGORY and event.event_type in REPLY_TYPES:
            return await replies.process(self.runtime, self.connections, event)
        if event.category == FALLBACK_CATEGORY and event.event_type == FALLBACK_TYPE:
            session = await self.connections.xero(event.tenant_id)
            emailed = await on_undeliverable(self.runtime, session, event.resource_id)
            return f"undeliverable on WhatsApp: {emailed} invoice e-mail(s) sent by Xero"
        return f"ignored: {event.category} events need no work"

    async def _fetch(
        self, session: Any, key: str, inputs: dict[str, Any], collection: str
    ) -> dict[str, Any]:
        result = await self.executor.invoke(key, inputs, session=session)
        return first_record(result["data"], collection)
