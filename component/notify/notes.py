"""History notes on Xero invoices ("WhatsApp reminder overdue_7 sent to +91…, message wamid…").

The accountant works in Xero, not in our report: a note in the invoice's History shows who was
told, when and by which message. Notes are written after a run's sends, so a slow Xero minute
never holds up WhatsApp throughput, and each one is an optional call: they stop when the day's
remaining budget reaches the reserve. A note carries an Idempotency-Key made from the outbox key
and the invoice, so a retried PUT does not write it twice.
"""

from __future__ import annotations

import asyncio
import hashlib
from dataclasses import dataclass, field

from component import errors
from component.notify.budget import OptionalCalls, XeroCalls
from component.xero.client import XeroClient

#: Xero runs at most five calls of one organisation at a time.
WRITERS = 5
MAX_NOTE = 2500


@dataclass(frozen=True)
class Note:
    invoice_id: str
    text: str
    idempotency_key: str


@dataclass
class NotesWritten:
    written: int = 0
    warnings: list[str] = field(default_factory=list)


def sent_note(what: str, outbox_key: str, invoice_id: str, recipient: str, wamid: str) -> Note:
    """The note for one invoice covered by a sent message (``what``: "reminder overdue_7")."""
    text = f"WhatsApp {what} sent to {recipient}, message {wamid}"
    digest = hashlib.sha256(f"{outbox_key}|{invoice_id}".encode()).hexdigest()
    return Note(invoice_id, text, f"note-{digest[:32]}")


async def write_notes(
    client: XeroClient, notes: list[Note], ration: OptionalCalls, calls: XeroCalls
) -> NotesWritten:
    """Write ``notes`` while the budget allows; what was written and why the rest was not."""
    queue: asyncio.Queue[Note] = asyncio.Queue()
    for note in notes:
        queue.put_nowait(note)
    done = NotesWritten()

    def warn(text: str) -> None:
        if text not in done.warnings:
            done.warnings.append(text)

    async def writer() -> None:
        while not queue.empty():
            note = queue.get_nowait()
            if not ration.take():
                warn(f"history notes stopped: {ration.why_refused()}")
                return
            calls.add("history_notes")
            try:
                await client.request(
                    "PUT",
                    f"/Invoices/{note.invoice_id}/History",
                    json={"HistoryRecords": [{"Details": note.text[:MAX_NOTE]}]},
                    idempotency_key=note.idempotency_key,
                    what="adding a history note to the invoice",
                )
            except errors.UpstreamError as exc:
                warn(f"history note not written: {exc.message}")
                continue
            done.written += 1
            await asyncio.to_thread(_remember, client, note)

    await asyncio.gather(*(writer() for _ in range(min(WRITERS, len(notes)))))
    return done


def _remember(client: XeroClient, note: Note) -> None:
    """``xero-wa history`` shows the note beside the message it is about."""
    runtime = client.runtime
    tenant = client.session.tenant_id or ""
    runtime.store.invoice_facts.note(
        tenant, note.invoice_id, note.idempotency_key, note.text[:MAX_NOTE], runtime.clock.now()
    )
