"""History notes on Xero invoices ("WhatsApp reminder overdue_7 sent to +91…, message wamid…").

The accountant works in Xero, not in our report: a note in the invoice's History shows who was
reminded, when and by which message. Notes are written after the run's sends, so a slow Xero
minute never holds up WhatsApp throughput, and each one is an optional call: they stop when the
day's remaining budget reaches the policy's reserve. A note carries an Idempotency-Key made from
the outbox key and stage, so a retried PUT does not write it twice.
"""

from __future__ import annotations

import asyncio

from component import errors
from component.reminders.budget import OptionalCalls, XeroCalls
from component.reminders.report import Report
from component.xero.client import XeroClient

#: Xero runs at most five calls of one organisation at a time.
WRITERS = 5
MAX_NOTE = 2500


async def write_notes(
    client: XeroClient,
    notes: list[tuple[str, str, str]],
    ration: OptionalCalls,
    calls: XeroCalls,
    report: Report,
) -> None:
    """Write ``(invoice id, text, idempotency key)`` notes while the budget allows."""
    queue: asyncio.Queue[tuple[str, str, str]] = asyncio.Queue()
    for note in notes:
        queue.put_nowait(note)

    async def writer() -> None:
        while not queue.empty():
            invoice_id, text, key = queue.get_nowait()
            if not ration.take():
                report.warn(f"history notes stopped: {ration.why_refused()}")
                return
            calls.add("history_notes")
            try:
                await client.request(
                    "PUT",
                    f"/Invoices/{invoice_id}/History",
                    json={"HistoryRecords": [{"Details": text[:MAX_NOTE]}]},
                    idempotency_key=key,
                    what="adding a history note to the invoice",
                )
            except errors.UpstreamError as exc:
                report.warn(f"history note not written: {exc.message}")
                continue
            report.notes += 1
            await asyncio.to_thread(_remember, client, invoice_id, key, text)

    await asyncio.gather(*(writer() for _ in range(min(WRITERS, len(notes)))))


def _remember(client: XeroClient, invoice_id: str, key: str, text: str) -> None:
    """``xero-wa history`` shows the note beside the message it is about."""
    runtime = client.runtime
    tenant = client.session.tenant_id or ""
    runtime.store.invoice_facts.note(tenant, invoice_id, key, text[:MAX_NOTE], runtime.clock.now())
