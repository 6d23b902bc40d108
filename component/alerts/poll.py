"""The catch-up poll: what webhooks missed, found with ``If-Modified-Since``.

Xero gives up on a webhook after 24 hours of failed deliveries, and a payment may not produce an
invoice event at all (unverified), so every ``XERO_WA_POLL_INTERVAL_SECONDS`` the worker asks each
organisation for the sales invoices modified since its last poll (one call per 1,000 invoices)
and queues them as events carrying their record. The queue's deduplication and the outbox make an
invoice seen twice (by webhook and by poll) harmless.

The first poll of an organisation only records the time: queueing its whole history would alert
every customer about every open invoice the moment the service starts.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from component import errors
from component.executor import Executor
from component.runtime import Runtime
from component.service.config import ServiceConfig
from component.service.connections import ServiceConnections
from component.storage.events import NewEvent

log = logging.getLogger("xero_wa.service.poll")

#: Ask from a little before the last poll: clocks differ and Xero's timestamps are in seconds.
OVERLAP = timedelta(minutes=2)


@dataclass
class Poller:
    runtime: Runtime
    config: ServiceConfig
    executor: Executor
    connections: ServiceConnections
    wake: Callable[[], None] = field(default=lambda: None)

    async def poll_tenant(self, tenant_id: str) -> int:
        """Queue the tenant's sales invoices modified since its last poll; returns how many new."""
        events = self.runtime.store.events
        started = self.runtime.clock.now()
        since = await asyncio.to_thread(events.poll_mark, tenant_id)
        if since is None:
            await asyncio.to_thread(events.set_poll_mark, tenant_id, started)
            log.info("first poll of tenant %s: starting from now", tenant_id)
            return 0
        session = await self.connections.xero(tenant_id)
        modified_after = (since - OVERLAP).strftime("%Y-%m-%dT%H:%M:%S")
        result = await self.executor.invoke(
            "listInvoices",
            {"fetchAll": True, "modifiedAfter": modified_after, "where": 'Type=="ACCREC"'},
            session=session,
        )
        invoices = _invoices(result["data"])
        new = [_event(tenant_id, inv) for inv in invoices if inv.get("InvoiceID")]
        added = await asyncio.to_thread(events.enqueue, new, started) if new else 0
        await asyncio.to_thread(events.set_poll_mark, tenant_id, started)
        if added:
            self.wake()
        log.info("poll of tenant %s: %d modified, %d queued", tenant_id, len(new), added)
        return added

    async def poll_all(self) -> int:
        """Poll every organisation of the Xero connection; one failing does not stop the rest."""
        try:
            tenants = await self.connections.xero_tenants()
        except errors.XeroWaError as exc:
            log.warning("catch-up poll skipped: %s", exc.message)
            return 0
        total = 0
        for tenant_id in tenants:
            try:
                total += await self.poll_tenant(tenant_id)
            except errors.XeroWaError as exc:
                log.warning("catch-up poll of tenant %s failed: %s", tenant_id, exc.message)
        return total

    async def run_forever(self) -> None:
        interval = self.config.xero_wa_poll_interval_seconds
        while interval > 0:
            try:
                await self.poll_all()
            except Exception:
                log.exception("catch-up poll crashed; trying again next interval")
            await self.runtime.clock.sleep(interval)


def _invoices(data: Any) -> list[dict[str, Any]]:
    items = data.get("Invoices") if isinstance(data, dict) else data
    return [i for i in items if isinstance(i, dict)] if isinstance(items, list) else []


def _event(tenant_id: str, invoice: dict[str, Any]) -> NewEvent:
    """A synthetic UPDATE event dated by the invoice's UpdatedDateUTC (so re-polls dedupe)."""
    return NewEvent(
        tenant_id=tenant_id,
        category="INVOICE",
        resource_id=str(invoice["InvoiceID"]),
        event_type="UPDATE",
        event_date=str(invoice.get("UpdatedDateUTC") or ""),
        source="poll",
        payload=invoice,
    )
