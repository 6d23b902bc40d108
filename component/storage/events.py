"""The durable queue of webhook events: stored before Xero gets its 200, processed after.

Xero sends metadata only, must be answered within 5 seconds, and disables a webhook after a day of
failed deliveries; so the receiver only stores and answers, and a worker does the slow part
(fetching the record, sending WhatsApp messages) later. The life of an event::

    enqueue()  → queued     (deduplicated on tenant, category, resource, type and date)
    claim()    → working    leased to one worker until ``lease_until``; a crashed worker's
                            events are claimed again once the lease has expired
    complete() → done
    retry()    → queued     with ``next_attempt_at`` pushed back (backoff)
    defer()    → queued     until a later time, the attempt not counted (waiting its turn)
    park()     → parked     kept with its error until ``replay()`` queues it again
    release()  → queued     a worker shutting down gives back what it had not finished

Times are stored as fixed-width UTC text (``2026-07-14T09:30:00.000000Z``) so SQL can compare
them as strings.

On PostgreSQL several workers on several hosts share the queue: ``claim`` leases rows with
``FOR UPDATE SKIP LOCKED`` (two workers never get the same event, neither waits for the other),
the other transitions are single-row updates guarded by the lease, and none of them takes the
store's write lock. Queuing notifies idle workers (LISTEN/NOTIFY, see ``subscribe``); they still
poll, so a lost notification delays an event, never loses it.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, Protocol

from component.storage.database import rerun_on_drop

if TYPE_CHECKING:
    from component.storage.database import Conn, Row
    from component.storage.store import Store

STATES = ("queued", "working", "done", "parked")
#: The notification topic that wakes idle workers when events are queued.
WAKE_TOPIC = "events"


class Closeable(Protocol):
    def close(self) -> None: ...


def stamp(moment: datetime) -> str:
    """Fixed-width UTC text, comparable as a string."""
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return aware.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_stamp(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)


@dataclass(frozen=True)
class NewEvent:
    """One event as received (or synthesised by the catch-up poll)."""

    tenant_id: str
    category: str
    resource_id: str
    event_type: str
    event_date: str
    resource_url: str | None = None
    source: str = "webhook"
    payload: dict[str, Any] | None = None


@dataclass(frozen=True)
class Event:
    id: int
    source: str
    tenant_id: str
    category: str
    resource_id: str
    event_type: str
    event_date: str
    resource_url: str | None
    state: str
    attempts: int
    next_attempt_at: str
    lease_owner: str | None
    lease_until: str | None
    last_error: str | None
    received_at: str
    updated_at: str
    payload: dict[str, Any] | None = field(default=None, repr=False)

    def to_json(self) -> dict[str, Any]:
        """What ``xero-wa events`` shows (the payload only as a flag: it is customer data)."""
        return {
            "id": self.id,
            "state": self.state,
            "source": self.source,
            "tenantId": self.tenant_id,
            "category": self.category,
            "resourceId": self.resource_id,
            "eventType": self.event_type,
            "eventDateUtc": self.event_date,
            "attempts": self.attempts,
            "nextAttemptAt": self.next_attempt_at,
            "lastError": self.last_error,
            "receivedAt": self.received_at,
            "updatedAt": self.updated_at,
            "hasRecord": self.payload is not None,
        }


class EventsRepo:
    def __init__(self, store: Store) -> None:
        self._store = store

    # ------------------------------------------------------------------ receiving
    @rerun_on_drop
    def enqueue(self, events: list[NewEvent], now: datetime) -> int:
        """Store events in one short transaction; returns how many were new (not duplicates)."""
        if not events:
            return 0
        when = stamp(now)
        rows = [
            (
                e.source,
                e.tenant_id,
                e.category,
                e.resource_id,
                e.event_type,
                e.event_date,
                e.resource_url,
                json.dumps(e.payload, separators=(",", ":")) if e.payload is not None else None,
                when,
                when,
                when,
            )
            for e in events
        ]
        with self._row_locked() as conn:
            cursor = conn.executemany(
                """INSERT INTO webhook_events (source, tenant_id, category, resource_id,
                       event_type, event_date, resource_url, payload_json, state, next_attempt_at,
                       received_at, updated_at)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'queued', ?, ?, ?)
                   ON CONFLICT (tenant_id, category, resource_id, event_type, event_date)
                   DO NOTHING""",
                rows,
            )
            added = max(cursor.rowcount, 0)
            if added:
                _wake_workers(conn)
            return added

    # ------------------------------------------------------------------ working
    @rerun_on_drop
    def claim(self, owner: str, now: datetime, lease_seconds: float, limit: int) -> list[Event]:
        """Lease up to ``limit`` due events to ``owner``: queued ones, and expired leases."""
        when = stamp(now)
        until = stamp(now + timedelta(seconds=lease_seconds))
        with self._row_locked() as conn:
            if conn.dialect == "postgres":
                # Workers on several hosts claim at once: each skips the rows another is locking
                # instead of waiting for them (and never takes the same one).
                leased = conn.execute(
                    """UPDATE webhook_events SET state = 'working', attempts = attempts + 1,
                           lease_owner = ?, lease_until = ?, updated_at = ?
                       WHERE id IN (SELECT id FROM webhook_events
                                    WHERE (state = 'queued' AND next_attempt_at <= ?)
                                       OR (state = 'working' AND lease_until < ?)
                                    ORDER BY id LIMIT ? FOR UPDATE SKIP LOCKED)
                       RETURNING *""",
                    (owner, until, when, when, when, limit),
                ).fetchall()
                return sorted((_event(row) for row in leased), key=lambda e: e.id)
            ids = [
                row["id"]
                for row in conn.execute(
                    """SELECT id FROM webhook_events
                       WHERE (state = 'queued' AND next_attempt_at <= ?)
                          OR (state = 'working' AND lease_until < ?)
                       ORDER BY id LIMIT ?""",
                    (when, when, limit),
                )
            ]
            if not ids:
                return []
            marks = ",".join("?" for _ in ids)
            conn.execute(
                f"""UPDATE webhook_events SET state = 'working', attempts = attempts + 1,
                       lease_owner = ?, lease_until = ?, updated_at = ?
                    WHERE id IN ({marks})""",  # noqa: S608 - only placeholders are interpolated
                (owner, until, when, *ids),
            )
            rows = conn.execute(
                f"SELECT * FROM webhook_events WHERE id IN ({marks}) ORDER BY id",  # noqa: S608
                ids,
            ).fetchall()
        return [_event(row) for row in rows]

    def complete(self, event_id: int, owner: str, now: datetime) -> bool:
        return self._settle(event_id, owner, now, "state = 'done', last_error = NULL", ())

    def retry(
        self, event_id: int, owner: str, error: str, next_attempt: datetime, now: datetime
    ) -> bool:
        return self._settle(
            event_id,
            owner,
            now,
            "state = 'queued', last_error = ?, next_attempt_at = ?",
            (error, stamp(next_attempt)),
        )

    def defer(self, event_id: int, owner: str, until: datetime, note: str, now: datetime) -> bool:
        """Give the event back until ``until`` without counting the attempt: it waits its turn
        (a recipient with messages queued ahead), it did not fail."""
        return self._settle(
            event_id,
            owner,
            now,
            "state = 'queued', attempts = CASE WHEN attempts > 0 THEN attempts - 1 ELSE 0 END, "
            "last_error = ?, next_attempt_at = ?",
            (note, stamp(until)),
        )

    def park(self, event_id: int, owner: str, error: str, now: datetime) -> bool:
        return self._settle(event_id, owner, now, "state = 'parked', last_error = ?", (error,))

    @rerun_on_drop
    def release(self, owner: str, now: datetime) -> int:
        """Give back every event ``owner`` holds (a graceful stop): the attempt does not count."""
        with self._row_locked() as conn:
            given_back: int = conn.execute(
                """UPDATE webhook_events SET state = 'queued',
                       attempts = CASE WHEN attempts > 0 THEN attempts - 1 ELSE 0 END,
                       lease_owner = NULL, lease_until = NULL, updated_at = ?
                   WHERE state = 'working' AND lease_owner = ?""",
                (stamp(now), owner),
            ).rowcount
            if given_back:
                _wake_workers(conn)
            return given_back

    @rerun_on_drop
    def replay(self, event_id: int, now: datetime) -> Event | None:
        """Queue a parked (or done) event again, due now, with a fresh attempt count."""
        when = stamp(now)
        with self._store.transaction() as conn:
            changed = conn.execute(
                """UPDATE webhook_events SET state = 'queued', attempts = 0, next_attempt_at = ?,
                       lease_owner = NULL, lease_until = NULL, updated_at = ?
                   WHERE id = ? AND state IN ('parked', 'done')""",
                (when, when, event_id),
            ).rowcount
            if changed:
                _wake_workers(conn)
        return self.get(event_id) if changed else None

    # ------------------------------------------------------------------ reading
    def get(self, event_id: int) -> Event | None:
        row = self._store.fetchone("SELECT * FROM webhook_events WHERE id = ?", (event_id,))
        return _event(row) if row else None

    def list(self, states: tuple[str, ...] = STATES, limit: int = 100) -> list[Event]:
        marks = ",".join("?" for _ in states)
        rows = self._store.fetchall(
            f"SELECT * FROM webhook_events WHERE state IN ({marks}) ORDER BY id LIMIT ?",  # noqa: S608
            (*states, limit),
        )
        return [_event(row) for row in rows]

    def counts(self) -> dict[str, int]:
        found = dict.fromkeys(STATES, 0)
        for row in self._store.fetchall(
            "SELECT state, COUNT(*) AS n FROM webhook_events GROUP BY state"
        ):
            found[row["state"]] = row["n"]
        return found

    def next_due(self) -> datetime | None:
        """When the earliest queued event becomes due (for the worker's idle wait)."""
        row = self._store.fetchone(
            "SELECT MIN(next_attempt_at) AS due FROM webhook_events WHERE state = 'queued'"
        )
        return parse_stamp(row["due"]) if row and row["due"] else None

    @rerun_on_drop
    def purge_done(self, older_than: datetime) -> int:
        """Forget finished events (Xero stops redelivering after 24 hours, so dedupe is safe)."""
        with self._row_locked() as conn:
            return conn.execute(
                "DELETE FROM webhook_events WHERE state = 'done' AND updated_at < ?",
                (stamp(older_than),),
            ).rowcount

    # ------------------------------------------------------------------ catch-up poll
    def poll_mark(self, tenant_id: str) -> datetime | None:
        row = self._store.fetchone(
            "SELECT polled_at FROM webhook_poll_marks WHERE tenant_id = ?", (tenant_id,)
        )
        return parse_stamp(row["polled_at"]) if row else None

    @rerun_on_drop
    def set_poll_mark(self, tenant_id: str, polled_at: datetime) -> None:
        with self._store.transaction() as conn:
            conn.execute(
                """INSERT INTO webhook_poll_marks (tenant_id, polled_at) VALUES (?, ?)
                   ON CONFLICT(tenant_id) DO UPDATE SET polled_at = excluded.polled_at""",
                (tenant_id, stamp(polled_at)),
            )

    # ------------------------------------------------------------------ helpers
    def subscribe(self, callback: Callable[[], None]) -> Closeable | None:
        """Call ``callback`` (from another thread) when another process queues events; None
        when the backend cannot tell (SQLite: the worker then finds them at its next poll)."""
        subscribe = getattr(self._store.db, "subscribe", None)
        return None if subscribe is None else subscribe(WAKE_TOPIC, callback)

    def _row_locked(self) -> AbstractContextManager[Conn]:
        """A write transaction for statements that are safe under row locking (single-row
        updates guarded by their lease, inserts that ignore duplicates, SKIP LOCKED claims).
        SQLite has one writer anyway (``BEGIN IMMEDIATE``); PostgreSQL then skips the store's
        write lock, so receivers and workers on several hosts queue and claim side by side."""
        return self._store.transaction(immediate=self._store.dialect == "sqlite")

    @rerun_on_drop
    def _settle(
        self,
        event_id: int,
        owner: str,
        now: datetime,
        assignment: str,
        args: tuple[Any, ...],
    ) -> bool:
        """Apply a final transition, only if ``owner`` still holds the lease (else: False)."""
        with self._row_locked() as conn:
            changed = conn.execute(
                f"""UPDATE webhook_events SET {assignment}, lease_owner = NULL, lease_until = NULL,
                        updated_at = ?
                    WHERE id = ? AND state = 'working' AND lease_owner = ?""",  # noqa: S608
                (*args, stamp(now), event_id, owner),
            ).rowcount
        return changed > 0


def _wake_workers(conn: Conn) -> None:
    """Tell waiting workers on every host, at commit, that events became due (PostgreSQL's
    NOTIFY). Only a hint: a worker that misses it finds the events at its next poll."""
    if conn.dialect == "postgres":
        conn.notify(WAKE_TOPIC)  # type: ignore[attr-defined]


def _event(row: Row) -> Event:
    return Event(
        id=row["id"],
        source=row["source"],
        tenant_id=row["tenant_id"],
        category=row["category"],
        resource_id=row["resource_id"],
        event_type=row["event_type"],
        event_date=row["event_date"],
        resource_url=row["resource_url"],
        state=row["state"],
        attempts=row["attempts"],
        next_attempt_at=row["next_attempt_at"],
        lease_owner=row["lease_owner"],
        lease_until=row["lease_until"],
        last_error=row["last_error"],
        received_at=row["received_at"],
        updated_at=row["updated_at"],
        payload=json.loads(row["payload_json"]) if row["payload_json"] else None,
    )
