"""Scheduled slots: each (organisation, job, slot) runs once, whichever process gets there first.

Several ``xero-wa serve`` processes may share one store; each computes the same slots from the
same clock and settings, and ``claim`` decides who runs one: an ``INSERT … ON CONFLICT DO
NOTHING`` on the primary key, so exactly one process gets the row. A process that dies while
running keeps the row ``running`` until its lease passes; then ``claim`` lets another take it over
(the jobs are idempotent: the reminder job's outbox sends nothing twice). ``latest`` is what makes
catching up after downtime happen once: only a slot newer than the last one claimed is due.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from component.storage.database import rerun_on_drop
from component.storage.events import parse_stamp, stamp

if TYPE_CHECKING:
    from component.storage.database import Row
    from component.storage.store import Store

RUNNING = "running"
DONE = "done"
FAILED = "failed"


@dataclass(frozen=True)
class SlotRow:
    tenant_id: str
    job: str
    slot: datetime
    state: str
    owner: str
    lease_until: str
    run_id: str | None
    note: str | None
    claimed_at: str
    finished_at: str | None


class ScheduleRepo:
    def __init__(self, store: Store) -> None:
        self._store = store

    @rerun_on_drop
    def claim(
        self,
        tenant_id: str,
        job: str,
        slot: datetime,
        owner: str,
        now: datetime,
        lease_seconds: float,
    ) -> bool:
        """True when ``owner`` may run the slot: it inserted the row, or took over a dead lease."""
        when, until = stamp(now), stamp(now + timedelta(seconds=lease_seconds))
        key = (tenant_id, job, stamp(slot))
        with self._store.transaction() as conn:
            inserted = conn.execute(
                """INSERT INTO schedule_slots (tenant_id, job, slot, state, owner, lease_until,
                       claimed_at) VALUES (?, ?, ?, 'running', ?, ?, ?)
                   ON CONFLICT (tenant_id, job, slot) DO NOTHING""",
                (*key, owner, until, when),
            ).rowcount
            if inserted:
                return True
            return (
                conn.execute(
                    """UPDATE schedule_slots SET owner = ?, lease_until = ?, claimed_at = ?
                       WHERE tenant_id = ? AND job = ? AND slot = ? AND state = 'running'
                         AND lease_until < ?""",
                    (owner, until, when, *key, when),
                ).rowcount
                > 0
            )

    @rerun_on_drop
    def extend(self, tenant_id: str, job: str, slot: datetime, owner: str, until: datetime) -> None:
        """Keep a long run's lease alive."""
        with self._store.transaction() as conn:
            conn.execute(
                """UPDATE schedule_slots SET lease_until = ?
                   WHERE tenant_id = ? AND job = ? AND slot = ? AND owner = ?""",
                (stamp(until), tenant_id, job, stamp(slot), owner),
            )

    @rerun_on_drop
    def finish(
        self,
        tenant_id: str,
        job: str,
        slot: datetime,
        owner: str,
        now: datetime,
        *,
        ok: bool,
        run_id: str | None,
        note: str | None = None,
    ) -> None:
        with self._store.transaction() as conn:
            conn.execute(
                """UPDATE schedule_slots SET state = ?, run_id = ?, note = ?, finished_at = ?
                   WHERE tenant_id = ? AND job = ? AND slot = ? AND owner = ?""",
                (
                    DONE if ok else FAILED,
                    run_id,
                    note,
                    stamp(now),
                    tenant_id,
                    job,
                    stamp(slot),
                    owner,
                ),
            )

    def latest(self, tenant_id: str, job: str) -> SlotRow | None:
        """The newest slot claimed for this organisation and job (primary-key range)."""
        row = self._store.fetchone(
            """SELECT * FROM schedule_slots WHERE tenant_id = ? AND job = ?
               ORDER BY slot DESC LIMIT 1""",
            (tenant_id, job),
        )
        return _slot(row) if row else None

    def slots(self, tenant_id: str, job: str, limit: int = 50) -> list[SlotRow]:
        rows = self._store.fetchall(
            """SELECT * FROM schedule_slots WHERE tenant_id = ? AND job = ?
               ORDER BY slot DESC LIMIT ?""",
            (tenant_id, job, limit),
        )
        return [_slot(row) for row in rows]


def _slot(row: Row) -> SlotRow:
    return SlotRow(
        tenant_id=row["tenant_id"],
        job=row["job"],
        slot=parse_stamp(row["slot"]),
        state=row["state"],
        owner=row["owner"],
        lease_until=row["lease_until"],
        run_id=row["run_id"],
        note=row["note"],
        claimed_at=row["claimed_at"],
        finished_at=row["finished_at"],
    )
