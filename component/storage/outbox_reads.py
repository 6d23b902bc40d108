"""What the outbox holds, read: its items and messages, and why an item may not be claimed.

The records (``Item``, ``OutboxMessage``) and the queries live here; the transitions that
write them, and the life of a message they follow, in ``component.storage.outbox``, whose
``OutboxRepo`` (``store.outbox``) adds them to these reads. A query is a short snapshot
(``store.read()``) and takes no write lock; ``claim`` asks the same question
(``item_links``) inside its own write transaction, so its check and its insert cannot
interleave with another process's.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from component.storage.database import Conn, Row
    from component.storage.store import Store


@dataclass(frozen=True)
class Item:
    """One thing that must be delivered at most once: e.g. (tenant, invoice id, "overdue_7")."""

    tenant_id: str
    subject_id: str
    stage: str


@dataclass(frozen=True)
class OutboxMessage:
    key: str
    kind: str
    tenant_id: str
    contact_id: str | None
    recipient: str | None
    state: str
    retry: bool
    message_id: str | None
    error_code: str | None
    error_message: str | None
    attempts: int
    run_id: str | None
    details: dict[str, Any]
    created_at: str
    updated_at: str


class OutboxReads:
    """The outbox's queries; ``OutboxRepo`` adds the transitions."""

    def __init__(self, store: Store) -> None:
        self._store = store

    def item_states(self, items: Iterable[Item]) -> dict[Item, str]:
        """For items already in the outbox, the blocking reason or ``"open"``; others absent."""
        with self._store.read() as conn:
            found = item_links(conn, list(items))
        return {item: link.reason for item, link in found.items()}

    def subject_states(self, tenant_id: str, subjects: Iterable[str]) -> SubjectStates:
        """What the outbox holds for these subjects (``SubjectStates.reason`` per item)."""
        with self._store.read() as conn:
            return subject_states(conn, tenant_id, subjects)

    def get(self, key: str) -> OutboxMessage | None:
        row = self._store.fetchone("SELECT * FROM outbox_messages WHERE key = ?", (key,))
        return _message(row) if row else None

    def messages(
        self, *, state: str | None = None, run_id: str | None = None
    ) -> list[OutboxMessage]:
        sql, args = "SELECT * FROM outbox_messages WHERE 1=1", []
        if state is not None:
            sql += " AND state = ?"
            args.append(state)
        if run_id is not None:
            sql += " AND run_id = ?"
            args.append(run_id)
        rows = self._store.fetchall(sql + " ORDER BY created_at, key", args)
        return [_message(row) for row in rows]

    def needs_review(self) -> list[OutboxMessage]:
        """Messages whose outcome is unknown (a crash or timeout while sending)."""
        rows = self._store.fetchall(
            "SELECT * FROM outbox_messages WHERE state IN ('sending', 'unknown') ORDER BY updated_at"
        )
        return [_message(row) for row in rows]

    def items_of(self, key: str) -> list[Item]:
        rows = self._store.fetchall(
            "SELECT tenant_id, subject_id, stage FROM outbox_items WHERE message_key = ? "
            "ORDER BY subject_id, stage",
            (key,),
        )
        return [Item(r["tenant_id"], r["subject_id"], r["stage"]) for r in rows]

    def stop_reason(self, tenant_id: str, subject_id: str) -> str | None:
        row = self._store.fetchone(
            "SELECT reason FROM outbox_stops WHERE tenant_id = ? AND subject_id = ?",
            (tenant_id, subject_id),
        )
        return row["reason"] if row else None


@dataclass(frozen=True)
class _Link:
    """An item already in the outbox (or stopped): why it is blocked, or "open"; its message."""

    reason: str
    key: str | None = None


@dataclass(frozen=True)
class SubjectStates:
    """What the outbox holds for some subjects of one tenant, read at once: ``reason`` answers
    for any item of those subjects as ``item_states`` would, without a statement per item."""

    tenant_id: str
    stops: dict[str, str]
    #: (subject, stage) → (state, retry, message key)
    rows: dict[tuple[str, str], tuple[str, bool, str]]

    def link(self, item: Item) -> _Link | None:
        row = self.rows.get((item.subject_id, item.stage))
        key = None if row is None else row[2]
        if item.subject_id in self.stops:
            return _Link(f"stopped: {self.stops[item.subject_id]}", key)
        return None if row is None else _Link(_reason(row[0], row[1]), key)

    def reason(self, item: Item) -> str | None:
        """None when the item is new, "open" when it may be (re)claimed, else why not."""
        if item.tenant_id != self.tenant_id:
            raise ValueError(f"{item} is not of tenant {self.tenant_id}")
        link = self.link(item)
        return None if link is None else link.reason


def subject_states(conn: Conn, tenant_id: str, subjects: Iterable[str]) -> SubjectStates:
    """Two statements for all the subjects (stops, then items joined to their messages) instead
    of two per item: a claim and a contact's plan each ask about every invoice of the contact
    (3.4 on average in the reminder bench)."""
    wanted = sorted(set(subjects))
    if not wanted:
        return SubjectStates(tenant_id, {}, {})
    marks = ",".join("?" for _ in wanted)
    stops = {
        str(row["subject_id"]): str(row["reason"])
        for row in conn.execute(
            "SELECT subject_id, reason FROM outbox_stops "  # noqa: S608 - placeholders only
            f"WHERE tenant_id = ? AND subject_id IN ({marks})",
            (tenant_id, *wanted),
        ).fetchall()
    }
    rows = {
        (str(row["subject_id"]), str(row["stage"])): (
            str(row["state"]),
            bool(row["retry"]),
            str(row["message_key"]),
        )
        for row in conn.execute(
            "SELECT i.subject_id, i.stage, i.message_key, m.state, m.retry "  # noqa: S608
            "FROM outbox_items i JOIN outbox_messages m ON m.key = i.message_key "
            f"WHERE i.tenant_id = ? AND i.subject_id IN ({marks})",
            (tenant_id, *wanted),
        ).fetchall()
    }
    return SubjectStates(tenant_id, stops, rows)


def item_links(conn: Conn, items: list[Item]) -> dict[Item, _Link]:
    """For the items already in the outbox or stopped, their ``_Link``; new items are absent."""
    out: dict[Item, _Link] = {}
    by_tenant: dict[str, list[Item]] = {}
    for item in items:
        by_tenant.setdefault(item.tenant_id, []).append(item)
    for tenant, mine in by_tenant.items():
        states = subject_states(conn, tenant, (i.subject_id for i in mine))
        for item in mine:
            link = states.link(item)
            if link is not None:
                out[item] = link
    return out


def _reason(state: str, retry: bool) -> str:
    """ "open" when an item in a message in ``state`` may be (re)claimed, else why not."""
    if state == "intent" or (state == "failed" and retry):
        return "open"
    return {
        "sent": "already sent",
        "sending": "outcome unknown (needs review)",
        "unknown": "outcome unknown (needs review)",
        "failed": "failed permanently",
    }.get(state, state)


def _message(row: Row) -> OutboxMessage:
    return OutboxMessage(
        key=row["key"],
        kind=row["kind"],
        tenant_id=row["tenant_id"],
        contact_id=row["contact_id"],
        recipient=row["recipient"],
        state=row["state"],
        retry=bool(row["retry"]),
        message_id=row["message_id"],
        error_code=row["error_code"],
        error_message=row["error_message"],
        attempts=row["attempts"],
        run_id=row["run_id"],
        details=json.loads(row["details_json"] or "{}"),
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )
