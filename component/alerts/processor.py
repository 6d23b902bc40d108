"""One queued event → the work it stands for.

Xero's webhooks carry metadata only, so each event's record is fetched (with the event's tenant)
before anything is decided: an invoice goes to ``alerts``, a contact refreshes the contacts cache
the reminder job reads phone numbers from. Events of the catch-up poll already carry their record
and cost no second call. A ``WHATSAPP/UNDELIVERABLE`` event (queued by the status webhook for a
reminder that failed with 131026) asks Xero to e-mail the invoice instead. Other categories
(credit notes, subscriptions) are acknowledged.

Stops come first: before any event of a claimed batch starts, the invoices whose record the
event already carries (the catch-up poll's) and that are paid, voided or deleted stop their
reminders (``before``); a fetched record stops them before anything else is done with it.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

from component.alerts.invoices import Alerts, stop
from component.executor import Executor
from component.notify.fallback import on_undeliverable
from component.notify.inbound import FALLBACK_CATEGORY, FALLBACK_TYPE
from component.notify.recipient import first_record, refresh_contacts
from component.runtime import Runtime
from component.service.connections import ServiceConnections
from component.storage.events import Event


@dataclass
class EventProcessor:
    runtime: Runtime
    executor: Executor
    connections: ServiceConnections
    alerts: Alerts

    async def before(self, events: list[Event]) -> None:
        """Stop the reminders of every invoice the batch already knows is paid or voided."""
        for event in events:
            if event.category == "INVOICE" and event.payload is not None:
                await stop(self.runtime, event.tenant_id, event.payload)

    async def process(self, event: Event) -> str:
        """Do the event's work; raises XeroWaError (the worker decides: retry or park)."""
        if event.category == "INVOICE":
            session = await self.connections.xero(event.tenant_id)
            invoice = event.payload or await self._fetch(
                session, "getInvoice", {"invoiceId": event.resource_id}, "Invoices"
            )
            return await self.alerts.on_invoice(session, invoice)
        if event.category == "CONTACT":
            session = await self.connections.xero(event.tenant_id)
            contact = event.payload or await self._fetch(
                session, "getContact", {"contactId": event.resource_id}, "Contacts"
            )
            stored = await asyncio.to_thread(
                refresh_contacts, self.runtime, event.tenant_id, [contact]
            )
            return f"contact cache refreshed ({stored})"
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
