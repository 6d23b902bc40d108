"""Which invoices reminder runs found due a reminder: once per (organisation, invoice, stage).

The dashboard's funnel starts with "eligible": the invoices a reminder was due for in the period.
Every run decides again for every overdue invoice (a second run the same day finds the first
run's reminders already sent; an opted-out customer's invoice is withheld every day), so adding
up the runs' counts counts one invoice many times. Here each (organisation, invoice, stage) a
real run found due (sent, refused, held for review, or withheld: opted out, no WhatsApp number,
paused by a reply, contact unknown) is one row, with the first and the last time a run found it
due; a period's eligible invoices are the rows whose span meets the period. A dry run (a policy
preview) records nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING

from component.storage.events import stamp
from component.storage.migrations import Migration

if TYPE_CHECKING:
    from component.storage.store import Store

MIGRATION = Migration(
    "2100_reminder_eligibility",
    """
    CREATE TABLE reminder_eligibility (
        tenant_id   TEXT NOT NULL,
        invoice_id  TEXT NOT NULL,              -- lower case, as the outbox keys it
        stage       TEXT NOT NULL,
        first_at    TEXT NOT NULL,              -- UTC ISO-8601: the first run that found it due
        last_at     TEXT NOT NULL,              -- the latest one
        PRIMARY KEY (tenant_id, invoice_id, stage)
    );
    CREATE INDEX reminder_eligibility_seen ON reminder_eligibility (last_at, tenant_id)
    """,
)


class EligibilityRepo:
    def __init__(self, store: Store) -> None:
        self._store = store

    def seen(self, tenant_id: str, due: Iterable[tuple[str, str]], now: datetime) -> None:
        """A run found these (invoice id, stage) pairs due a reminder at ``now``."""
        at = stamp(now)
        rows = [(tenant_id, invoice.lower(), stage, at, at) for invoice, stage in due]
        if not rows:
            return
        with self._store.transaction() as conn:
            conn.executemany(
                """INSERT INTO reminder_eligibility (tenant_id, invoice_id, stage, first_at, last_at)
                   VALUES (?, ?, ?, ?, ?)
                   ON CONFLICT (tenant_id, invoice_id, stage) DO UPDATE SET
                       first_at = CASE WHEN excluded.first_at < reminder_eligibility.first_at
                                  THEN excluded.first_at ELSE reminder_eligibility.first_at END,
                       last_at = CASE WHEN excluded.last_at > reminder_eligibility.last_at
                                 THEN excluded.last_at ELSE reminder_eligibility.last_at END""",
                rows,
            )

    def count(self, since: datetime, until: datetime, tenant_id: str | None = None) -> int:
        """Pairs found due at some time in ``[since, until)`` (``reminder_eligibility_seen``)."""
        sql = "SELECT COUNT(*) AS n FROM reminder_eligibility WHERE last_at >= ? AND first_at < ?"
        args: list[object] = [stamp(since), stamp(until)]
        if tenant_id is not None:
            sql += " AND tenant_id = ?"
            args.append(tenant_id)
        row = self._store.fetchone(sql, args)
        return int(row["n"] or 0) if row else 0
