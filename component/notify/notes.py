"""History notes on Xero invoices ("WhatsApp reminder overdue_7 sent to +91…, message wamid…").

The accountant works in Xero, not in our report: a note in the invoice's History shows who was
told, when and by which message. Each note is one optional Xero call, and a first run over a
large ledger makes thousands, so notes are never written on the spot: a run queues its notes in
the store (``queue_notes``, durable: a crash loses none) and then drains the queue, oldest
first, within the day's share of optional calls (``notify.budget``), after its sends, so a slow
Xero minute never holds up WhatsApp throughput. What is left waits for the next run, the next
day if need be, until every note is written. A note carries an Idempotency-Key made from the
outbox key and the invoice: queued twice it is kept once, and a retried PUT does not write it
twice. A note Xero refuses for good (the invoice was deleted) is dropped with a warning.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field

from component import errors
from component.notify.budget import OptionalCalls, XeroCalls
from component.storage.notes_queue import NotesQueueRepo, QueuedNote
from component.xero.client import XeroClient

#: Xero runs at most five calls of one organisation at a time.
WRITERS = 5
MAX_NOTE = 2500
#: Notes read from the queue at a time (memory stays flat however long the queue is).
DRAIN_BATCH = 100
#: Xero answers that mean the note can never be written (the invoice is gone).
DEFINITE_STATUSES = (400, 404)


@dataclass(frozen=True)
class Note:
    invoice_id: str
    text: str
    idempotency_key: str


@dataclass
class NotesWritten:
    written: int = 0
    warnings: list[str] = field(default_factory=list)
    #: Notes still queued after the drain (for a later run).
    left: int = 0


def sent_note(what: str, outbox_key: str, invoice_id: str, recipient: str, wamid: str) -> Note:
    """The note for one invoice covered by a sent message (``what``: "reminder overdue_7")."""
    text = f"WhatsApp {what} sent to {recipient}, message {wamid}"
    digest = hashlib.sha256(f"{outbox_key}|{invoice_id}".encode()).hexdigest()
    return Note(invoice_id, text, f"note-{digest[:32]}")


def queue_notes(client: XeroClient, notes: list[Note]) -> int:
    """Queue ``notes`` for the client's organisation (durably); how many were new."""
    runtime = client.runtime
    queued = [QueuedNote(n.invoice_id, n.text[:MAX_NOTE], n.idempotency_key) for n in notes]
    repo = NotesQueueRepo(runtime.store)
    return repo.add(client.session.tenant_id or "", queued, runtime.clock.now())


async def drain_notes(client: XeroClient, ration: OptionalCalls, calls: XeroCalls) -> NotesWritten:
    """Write queued notes, oldest first, while the ration allows; the rest stays queued."""
    repo = NotesQueueRepo(client.runtime.store)
    tenant = client.session.tenant_id or ""
    done = NotesWritten()

    def warn(text: str) -> None:
        if text not in done.warnings:
            done.warnings.append(text)

    while batch := await asyncio.to_thread(repo.oldest, tenant, DRAIN_BATCH):
        if await _drain_batch(client, repo, batch, ration, calls, done, warn):
            break  # the ration is spent, or Xero is not taking notes now
    done.left = await asyncio.to_thread(repo.pending, tenant)
    if done.left:
        warn(
            f"{done.left} History note(s) wait in the queue for a later run: "
            f"{ration.why_refused() if ration.refused else 'Xero did not take them now'}"
        )
    return done


async def _drain_batch(
    client: XeroClient,
    repo: NotesQueueRepo,
    batch: list[QueuedNote],
    ration: OptionalCalls,
    calls: XeroCalls,
    done: NotesWritten,
    warn: Callable[[str], None],
) -> bool:
    """Write one batch with up to five writers; True when the drain must stop here."""
    queue: asyncio.Queue[QueuedNote] = asyncio.Queue()
    for note in batch:
        queue.put_nowait(note)
    stop = False

    async def writer() -> None:
        nonlocal stop
        while not stop and not queue.empty():
            note = queue.get_nowait()
            if not ration.take():
                stop = True
                return
            outcome = await _write(client, repo, note, calls, warn)
            if outcome == "later":
                stop = True  # Xero is not taking notes now: the queue waits for a later run
                return
            done.written += outcome == "written"

    await asyncio.gather(*(writer() for _ in range(min(WRITERS, len(batch)))))
    return stop


async def _write(
    client: XeroClient,
    repo: NotesQueueRepo,
    note: QueuedNote,
    calls: XeroCalls,
    warn: Callable[[str], None],
) -> str:
    """One note: "written" or "dropped" (refused for good), off the queue; or "later"."""
    tenant = client.session.tenant_id or ""
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
        if exc.status not in DEFINITE_STATUSES:
            warn(f"history note not written now: {exc.message}")
            return "later"
        warn(f"history note dropped: {exc.message}")
        await asyncio.to_thread(repo.written, tenant, note.idempotency_key)
        return "dropped"
    await asyncio.to_thread(repo.written, tenant, note.idempotency_key)
    await asyncio.to_thread(
        _remember, client, Note(note.invoice_id, note.text, note.idempotency_key)
    )
    return "written"


def _remember(client: XeroClient, note: Note) -> None:
    """``xero-wa history`` shows the note beside the message it is about."""
    runtime = client.runtime
    tenant = client.session.tenant_id or ""
    runtime.store.invoice_facts.note(
        tenant, note.invoice_id, note.idempotency_key, note.text[:MAX_NOTE], runtime.clock.now()
    )
