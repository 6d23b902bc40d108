"""Where each polling trigger is, per organisation: the ``If-Modified-Since`` mark and the
records it already reported (id → the ``UpdatedDateUTC`` it reported them at).

One row per (organisation, trigger), rewritten after every run inside one transaction; the
``seen`` map only keeps what the next run's overlap window can return again, so it stays small
whatever the organisation's size. Portable SQL (SQLite and PostgreSQL): ``?`` placeholders,
``ON CONFLICT … DO UPDATE``, JSON as TEXT, timestamps as :func:`~component.storage.events.stamp`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from component.storage.events import stamp
from component.storage.migrations import Migration

if TYPE_CHECKING:
    from component.storage.store import Store

MIGRATION = Migration(
    "1600_poll_state",
    """
    CREATE TABLE poll_state (
        org          TEXT NOT NULL,      -- the Xero tenant id
        trigger_key  TEXT NOT NULL,      -- e.g. newOrUpdatedInvoices
        since        TEXT,               -- stamp() of the newest change reported
        seen_json    TEXT NOT NULL DEFAULT '{}',
        runs         INTEGER NOT NULL DEFAULT 0,
        updated_at   TEXT NOT NULL,
        PRIMARY KEY (org, trigger_key)
    )
    """,
)


@dataclass
class PollState:
    since: str | None = None
    #: Record id → what the trigger reported it at (a stamp, or "" for the overdue trigger).
    seen: dict[str, str] = field(default_factory=dict)
    runs: int = 0


class PollStateRepo:
    def __init__(self, store: Store) -> None:
        self._store = store

    def get(self, org: str, trigger: str) -> PollState | None:
        """The trigger's state for ``org``; None before its first run there."""
        with self._store.transaction(immediate=False) as conn:
            row = conn.execute(
                "SELECT since, seen_json, runs FROM poll_state WHERE org = ? AND trigger_key = ?",
                (org, trigger),
            ).fetchone()
        if row is None:
            return None
        return PollState(row["since"], dict(json.loads(row["seen_json"])), int(row["runs"]))

    def save(self, org: str, trigger: str, state: PollState, at: datetime) -> None:
        with self._store.transaction() as conn:
            conn.execute(
                """INSERT INTO poll_state (org, trigger_key, since, seen_json, runs, updated_at)
                   VALUES (?, ?, ?, ?, ?, ?)
                   ON CONFLICT (org, trigger_key) DO UPDATE SET
                       since = excluded.since,
                       seen_json = excluded.seen_json,
                       runs = excluded.runs,
                       updated_at = excluded.updated_at""",
                (
                    org,
                    trigger,
                    state.since,
                    json.dumps(state.seen, sort_keys=True),
                    state.runs,
                    stamp(at),
                ),
            )

    def forget(self, org: str, trigger: str) -> None:
        """Start the trigger over for ``org`` (its next run records the present again)."""
        with self._store.transaction() as conn:
            conn.execute("DELETE FROM poll_state WHERE org = ? AND trigger_key = ?", (org, trigger))
