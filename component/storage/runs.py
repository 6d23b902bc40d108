"""Job runs: one row per run (scheduled, CLI or API) and its counts by outcome.

``start`` records a run before it does anything, so a run killed half-way is still listed
(``running``, never finished); ``finish`` stores its counts, Xero calls and errors. The counts
are also kept one row per (outcome, reason) in ``run_outcomes`` so the dashboard can sum skips
by reason or failures by Meta code over a period with indexed SQL, without parsing JSON.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from component.storage.events import stamp

if TYPE_CHECKING:
    from component.storage.database import Row
    from component.storage.store import Store

RUNNING = "running"
OK = "ok"
ATTENTION = "attention"  # finished, but something failed or needs review
FAILED = "failed"  # the run itself could not take place


@dataclass(frozen=True)
class Outcome:
    outcome: str  # sent | skipped | failed | review | configuration
    reason: str
    count: int


@dataclass(frozen=True)
class RunRow:
    id: str
    tenant_id: str
    job: str
    trigger: str
    slot: str | None
    state: str
    started_at: str
    finished_at: str | None
    sent: int
    skipped: int
    failed: int
    review: int
    xero_calls: int
    errors: list[str]
    summary: dict[str, Any] = field(repr=False)
    outcomes: tuple[Outcome, ...] = ()


class RunsRepo:
    def __init__(self, store: Store) -> None:
        self._store = store

    def start(
        self,
        run_id: str,
        *,
        tenant_id: str,
        job: str,
        trigger: str,
        now: datetime,
        slot: datetime | None = None,
    ) -> None:
        with self._store.transaction() as conn:
            conn.execute(
                """INSERT INTO runs (id, tenant_id, job, trigger, slot, state, started_at)
                   VALUES (?, ?, ?, ?, ?, 'running', ?)""",
                (run_id, tenant_id, job, trigger, stamp(slot) if slot else None, stamp(now)),
            )

    def finish(
        self,
        run_id: str,
        *,
        state: str,
        now: datetime,
        outcomes: Iterable[Outcome] = (),
        xero_calls: int = 0,
        errors: list[str] | None = None,
        summary: dict[str, Any] | None = None,
        tenant_id: str | None = None,
    ) -> None:
        found = [o for o in outcomes if o.count]
        totals = {k: sum(o.count for o in found if o.outcome == k) for k in _TOTALS}
        with self._store.transaction() as conn:
            conn.execute(
                """UPDATE runs SET state = ?, finished_at = ?, sent = ?, skipped = ?, failed = ?,
                       review = ?, xero_calls = ?, errors_json = ?, summary_json = ?,
                       tenant_id = COALESCE(?, tenant_id)
                   WHERE id = ?""",
                (
                    state,
                    stamp(now),
                    totals["sent"],
                    totals["skipped"],
                    totals["failed"],
                    totals["review"],
                    xero_calls,
                    json.dumps(errors or []),
                    json.dumps(summary or {}, default=str),
                    tenant_id,
                    run_id,
                ),
            )
            for o in found:
                conn.execute(
                    """INSERT INTO run_outcomes (run_id, outcome, reason, count)
                       VALUES (?, ?, ?, ?)
                       ON CONFLICT (run_id, outcome, reason) DO UPDATE SET count = excluded.count""",
                    (run_id, o.outcome, o.reason, o.count),
                )

    def get(self, run_id: str) -> RunRow | None:
        row = self._store.fetchone("SELECT * FROM runs WHERE id = ?", (run_id,))
        return self._with_outcomes(row) if row else None

    def list(
        self,
        *,
        tenant_id: str | None = None,
        job: str | None = None,
        since: datetime | None = None,
        limit: int = 50,
    ) -> list[RunRow]:
        """Newest first (``runs_started`` / ``runs_tenant_started`` indexes)."""
        sql, args = "SELECT * FROM runs WHERE 1 = 1", []
        if tenant_id is not None:
            sql += " AND tenant_id = ?"
            args.append(tenant_id)
        if since is not None:
            sql += " AND started_at >= ?"
            args.append(stamp(since))
        if job is not None:
            sql += " AND job = ?"
            args.append(job)
        rows = self._store.fetchall(
            sql + " ORDER BY started_at DESC, id DESC LIMIT ?", (*args, limit)
        )
        return [self._with_outcomes(row) for row in rows]

    def _with_outcomes(self, row: Row) -> RunRow:
        found = self._store.fetchall(
            "SELECT outcome, reason, count FROM run_outcomes WHERE run_id = ? "
            "ORDER BY outcome, reason",
            (row["id"],),
        )
        outcomes = tuple(Outcome(r["outcome"], r["reason"], r["count"]) for r in found)
        return RunRow(
            id=row["id"],
            tenant_id=row["tenant_id"],
            job=row["job"],
            trigger=row["trigger"],
            slot=row["slot"],
            state=row["state"],
            started_at=row["started_at"],
            finished_at=row["finished_at"],
            sent=row["sent"],
            skipped=row["skipped"],
            failed=row["failed"],
            review=row["review"],
            xero_calls=row["xero_calls"],
            errors=json.loads(row["errors_json"] or "[]"),
            summary=json.loads(row["summary_json"] or "{}"),
            outcomes=outcomes,
        )


_TOTALS = ("sent", "skipped", "failed", "review")
