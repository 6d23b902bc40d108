"""The durable queue of History notes, and each organisation's optional Xero calls per day.

A History note is worth writing but never urgent, and at one Xero call per invoice a first run
over a large ledger would spend most of the day's 5,000 calls on them. So notes are queued here
(one row per note, keyed by its Idempotency-Key: queued twice, written once) and drained by
each run within the day's share of optional calls; what is left is carried over to later runs
and days, oldest first, until every note is written. ``optional_calls_daily`` counts each
organisation's optional calls (pay links, PDFs, notes, e-mail fallbacks) per UTC day, across
runs and processes, so the share holds for the day and not only for one run.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING

from component.storage.migrations import Migration

if TYPE_CHECKING:
    from component.storage.store import Store

#: Its id sorts after every earlier migration's.
MIGRATION = Migration(
    "2000_notes_queue",
    """
    CREATE TABLE notes_queue (
        tenant_id        TEXT NOT NULL,
        idempotency_key  TEXT NOT NULL,  -- the note's Idempotency-Key at Xero: written once
        invoice_id       TEXT NOT NULL,
        text             TEXT NOT NULL,
        queued_at        TEXT NOT NULL,  -- ISO-8601 UTC; the queue drains oldest first
        PRIMARY KEY (tenant_id, idempotency_key)
    );
    CREATE INDEX notes_queue_age ON notes_queue (tenant_id, queued_at);
    CREATE TABLE optional_calls_daily (
        tenant_id  TEXT NOT NULL,
        day        TEXT NOT NULL,        -- the UTC day, YYYY-MM-DD
        used       INTEGER NOT NULL,
        PRIMARY KEY (tenant_id, day)
    );
    """,
)


@dataclass(frozen=True)
class QueuedNote:
    invoice_id: str
    text: str
    idempotency_key: str


class NotesQueueRepo:
    def __init__(self, store: Store) -> None:
        self._store = store

    def add(self, tenant_id: str, notes: Iterable[QueuedNote], now: datetime) -> int:
        """Queue ``notes`` (a note already queued stays as it is); how many were new."""
        added = 0
        with self._store.transaction() as conn:
            for note in notes:
                cursor = conn.execute(
                    """INSERT INTO notes_queue (tenant_id, idempotency_key, invoice_id, text,
                           queued_at) VALUES (?, ?, ?, ?, ?)
                       ON CONFLICT (tenant_id, idempotency_key) DO NOTHING""",
                    (tenant_id, note.idempotency_key, note.invoice_id, note.text, now.isoformat()),
                )
                added += max(cursor.rowcount, 0)
        return added

    def oldest(self, tenant_id: str, limit: int) -> list[QueuedNote]:
        with self._store.read() as conn:
            rows = conn.execute(
                """SELECT invoice_id, text, idempotency_key FROM notes_queue
                   WHERE tenant_id = ? ORDER BY queued_at, idempotency_key LIMIT ?""",
                (tenant_id, limit),
            ).fetchall()
        return [QueuedNote(r["invoice_id"], r["text"], r["idempotency_key"]) for r in rows]

    def written(self, tenant_id: str, idempotency_key: str) -> None:
        with self._store.transaction() as conn:
            conn.execute(
                "DELETE FROM notes_queue WHERE tenant_id = ? AND idempotency_key = ?",
                (tenant_id, idempotency_key),
            )

    def pending(self, tenant_id: str) -> int:
        with self._store.read() as conn:
            row = conn.execute(
                "SELECT COUNT(*) FROM notes_queue WHERE tenant_id = ?", (tenant_id,)
            ).fetchone()
        return int(row[0])


class OptionalCallsDailyRepo:
    def __init__(self, store: Store) -> None:
        self._store = store

    def used(self, tenant_id: str, day: date) -> int:
        with self._store.read() as conn:
            row = conn.execute(
                "SELECT used FROM optional_calls_daily WHERE tenant_id = ? AND day = ?",
                (tenant_id, day.isoformat()),
            ).fetchone()
        return int(row["used"]) if row is not None else 0

    def add(self, tenant_id: str, day: date, calls: int) -> None:
        if calls <= 0:
            return
        with self._store.transaction() as conn:
            conn.execute(
                """INSERT INTO optional_calls_daily (tenant_id, day, used) VALUES (?, ?, ?)
                   ON CONFLICT (tenant_id, day) DO UPDATE
                   SET used = optional_calls_daily.used + excluded.used""",
                (tenant_id, day.isoformat(), calls),
            )
