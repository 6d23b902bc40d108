"""Customers' replies and the pauses they put on chasing (``store.replies``).

``whatsapp_replies``: every message a customer sent us, once per wamid, with who sent it (phone,
BSUID, username), what it meant (a tap or text), which organisation, contact and invoices it was
matched to (none: a number with no open reminder), what was done and when the owner was told.
It is the contact's reply history and the web app's review list (``reviewed`` = 0).

``contact_pauses``: one row per (organisation, contact): no reminder before ``until``. ``kind``
says why: ``reply`` (any message), ``paid`` (tapped Paid already), ``asking_date`` (tapped Need
more time, we asked for a date: the next text is read as that date), ``promise`` (a date was
given: ``until`` is that date plus the grace, and the invoices get one reminder the day after if
still unpaid, ``followed_up`` once sent).

``optout_confirmations``: the numbers or ids told "you will get no more reminders", so a second
STOP tap is not answered again; START removes it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from component.storage.events import stamp
from component.storage.migrations import Migration

if TYPE_CHECKING:
    from component.storage.database import Row
    from component.storage.store import Store

MIGRATION = Migration(
    "1600_replies",
    """
    CREATE TABLE whatsapp_replies (
        wamid         TEXT PRIMARY KEY,
        tenant_id     TEXT NOT NULL,            -- '' when no organisation matched
        contact_id    TEXT,                     -- NULL when no contact with an open reminder
        contact_name  TEXT,
        phone         TEXT,
        user_id       TEXT,
        username      TEXT,
        kind          TEXT NOT NULL,            -- text | button | interactive | other
        intent        TEXT NOT NULL,            -- paid | more_time | stop | text
        text          TEXT NOT NULL,
        payload       TEXT,
        context_wamid TEXT,
        invoice_ids   TEXT NOT NULL DEFAULT '[]',
        reminder_key  TEXT,                     -- the outbox key of the reminder answered
        outcome       TEXT NOT NULL,
        received_at   TEXT NOT NULL,
        owner_told_at TEXT,
        reviewed      INTEGER NOT NULL DEFAULT 0
    );
    CREATE INDEX whatsapp_replies_contact ON whatsapp_replies (tenant_id, contact_id, received_at);
    CREATE INDEX whatsapp_replies_review ON whatsapp_replies (reviewed, received_at);
    CREATE TABLE contact_pauses (
        tenant_id     TEXT NOT NULL,
        contact_id    TEXT NOT NULL,
        kind          TEXT NOT NULL,            -- reply | paid | asking_date | promise
        until_at      TEXT NOT NULL,
        promise_date  TEXT,
        invoice_ids   TEXT NOT NULL DEFAULT '[]',
        reply_wamid   TEXT,
        date_attempts INTEGER NOT NULL DEFAULT 0,
        followed_up   INTEGER NOT NULL DEFAULT 0,
        updated_at    TEXT NOT NULL,
        PRIMARY KEY (tenant_id, contact_id)
    );
    CREATE TABLE optout_confirmations (
        subject  TEXT PRIMARY KEY,              -- E.164 number or BSUID
        sent_at  TEXT NOT NULL
    );
    CREATE INDEX outbox_messages_recipient ON outbox_messages (recipient, updated_at)
    """,
)


@dataclass(frozen=True)
class Reply:
    wamid: str
    tenant_id: str
    contact_id: str | None
    contact_name: str | None
    phone: str | None
    user_id: str | None
    username: str | None
    kind: str
    intent: str
    text: str
    payload: str | None
    context_wamid: str | None
    invoice_ids: tuple[str, ...]
    reminder_key: str | None
    outcome: str
    received_at: str
    owner_told_at: str | None
    reviewed: bool

    def to_json(self) -> dict[str, Any]:
        out = dict(self.__dict__)
        out["invoice_ids"] = list(self.invoice_ids)
        return out


@dataclass(frozen=True)
class Pause:
    tenant_id: str
    contact_id: str
    kind: str
    until: str
    promise_date: str | None
    invoice_ids: tuple[str, ...]
    reply_wamid: str | None
    date_attempts: int
    followed_up: bool

    def active(self, now: datetime) -> bool:
        return self.until > stamp(now)


class RepliesRepo:
    def __init__(self, store: Store) -> None:
        self._store = store

    # ------------------------------------------------------------------ replies
    def record(self, reply: Reply) -> bool:
        """Store a reply once (False: this wamid was already recorded: a redelivery)."""
        values = reply.to_json()
        values["invoice_ids"] = json.dumps(values["invoice_ids"])
        values["reviewed"] = int(reply.reviewed)
        columns = ", ".join(values)
        marks = ", ".join("?" for _ in values)
        with self._store.transaction() as conn:
            row = conn.execute(
                f"INSERT INTO whatsapp_replies ({columns}) VALUES ({marks}) "  # noqa: S608 - fixed columns
                "ON CONFLICT (wamid) DO NOTHING RETURNING wamid",
                list(values.values()),
            ).fetchone()
        return row is not None

    def get(self, wamid: str) -> Reply | None:
        row = self._store.fetchone("SELECT * FROM whatsapp_replies WHERE wamid = ?", (wamid,))
        return _reply(row) if row else None

    def set_outcome(self, wamid: str, outcome: str) -> None:
        with self._store.transaction() as conn:
            conn.execute(
                "UPDATE whatsapp_replies SET outcome = ? WHERE wamid = ?", (outcome, wamid)
            )

    def owner_told(self, wamid: str, at: datetime) -> None:
        with self._store.transaction() as conn:
            conn.execute(
                "UPDATE whatsapp_replies SET owner_told_at = ? WHERE wamid = ?", (stamp(at), wamid)
            )

    def of_contact(self, tenant_id: str, contact_id: str) -> list[Reply]:
        """A contact's replies, oldest first (``whatsapp_replies_contact``)."""
        rows = self._store.fetchall(
            "SELECT * FROM whatsapp_replies WHERE tenant_id = ? AND contact_id = ? "
            "ORDER BY received_at, wamid",
            (tenant_id, contact_id.lower()),
        )
        return [_reply(r) for r in rows]

    def to_review(self, limit: int = 100) -> list[Reply]:
        """Replies nobody has marked reviewed, newest first (``whatsapp_replies_review``)."""
        rows = self._store.fetchall(
            "SELECT * FROM whatsapp_replies WHERE reviewed = 0 ORDER BY received_at DESC LIMIT ?",
            (limit,),
        )
        return [_reply(r) for r in rows]

    def mark_reviewed(self, wamid: str) -> bool:
        with self._store.transaction() as conn:
            done = conn.execute(
                "UPDATE whatsapp_replies SET reviewed = 1 WHERE wamid = ?", (wamid,)
            ).rowcount
        return bool(done)

    # ------------------------------------------------------------------ pauses
    def pause(
        self,
        tenant_id: str,
        contact_id: str,
        kind: str,
        until: datetime,
        *,
        now: datetime,
        invoice_ids: tuple[str, ...] = (),
        reply_wamid: str | None = None,
        promise_date: str | None = None,
    ) -> None:
        """Set (or replace) the contact's pause."""
        with self._store.transaction() as conn:
            conn.execute(
                """INSERT INTO contact_pauses (tenant_id, contact_id, kind, until_at, promise_date,
                       invoice_ids, reply_wamid, date_attempts, followed_up, updated_at)
                   VALUES (?, ?, ?, ?, ?, ?, ?, 0, 0, ?)
                   ON CONFLICT (tenant_id, contact_id) DO UPDATE SET
                       kind = excluded.kind, until_at = excluded.until_at,
                       promise_date = excluded.promise_date, invoice_ids = excluded.invoice_ids,
                       reply_wamid = excluded.reply_wamid, date_attempts = 0, followed_up = 0,
                       updated_at = excluded.updated_at""",
                (
                    tenant_id,
                    contact_id.lower(),
                    kind,
                    stamp(until),
                    promise_date,
                    json.dumps(list(invoice_ids)),
                    reply_wamid,
                    stamp(now),
                ),
            )

    def pause_of(self, tenant_id: str, contact_id: str) -> Pause | None:
        row = self._store.fetchone(
            "SELECT * FROM contact_pauses WHERE tenant_id = ? AND contact_id = ?",
            (tenant_id, contact_id.lower()),
        )
        return _pause(row) if row else None

    def count_date_attempt(self, tenant_id: str, contact_id: str) -> int:
        with self._store.transaction() as conn:
            row = conn.execute(
                "UPDATE contact_pauses SET date_attempts = date_attempts + 1 "
                "WHERE tenant_id = ? AND contact_id = ? RETURNING date_attempts",
                (tenant_id, contact_id.lower()),
            ).fetchone()
        return int(row["date_attempts"]) if row else 0

    def followed_up(self, tenant_id: str, contact_id: str) -> None:
        with self._store.transaction() as conn:
            conn.execute(
                "UPDATE contact_pauses SET followed_up = 1 WHERE tenant_id = ? AND contact_id = ?",
                (tenant_id, contact_id.lower()),
            )

    # ------------------------------------------------------------------ opt-out confirmations
    def confirm_once(self, subject: str, at: datetime) -> bool:
        """True the first time ``subject`` is confirmed as opted out (send the confirmation)."""
        with self._store.transaction() as conn:
            row = conn.execute(
                "INSERT INTO optout_confirmations (subject, sent_at) VALUES (?, ?) "
                "ON CONFLICT (subject) DO NOTHING RETURNING subject",
                (subject, stamp(at)),
            ).fetchone()
        return row is not None

    def forget_confirmation(self, subject: str) -> None:
        with self._store.transaction() as conn:
            conn.execute("DELETE FROM optout_confirmations WHERE subject = ?", (subject,))

    # ------------------------------------------------------------------ matching
    def last_reminder_to(self, recipient: str) -> dict[str, Any] | None:
        """The latest reminder sent to ``recipient`` (``outbox_messages_recipient``)."""
        row = self._store.fetchone(
            "SELECT key FROM outbox_messages WHERE recipient = ? AND kind = 'reminder' "
            "AND state IN ('sent', 'sending', 'unknown') ORDER BY updated_at DESC LIMIT 1",
            (recipient,),
        )
        return {"key": row["key"]} if row else None

    def outbox_key_of(self, wamid: str) -> str | None:
        """The outbox key of one of our messages (its ``biz_opaque_callback_data``)."""
        row = self._store.fetchone(
            "SELECT callback_data FROM whatsapp_messages WHERE wamid = ?", (wamid,)
        )
        return str(row["callback_data"]) if row and row["callback_data"] else None


def _ids(text: str | None) -> tuple[str, ...]:
    try:
        found = json.loads(text or "[]")
    except ValueError:
        return ()
    return tuple(str(x) for x in found) if isinstance(found, list) else ()


def _reply(row: Row) -> Reply:
    values = dict(row)
    values["invoice_ids"] = _ids(values["invoice_ids"])
    values["reviewed"] = bool(values["reviewed"])
    return Reply(**values)


def _pause(row: Row) -> Pause:
    return Pause(
        tenant_id=row["tenant_id"],
        contact_id=row["contact_id"],
        kind=row["kind"],
        until=row["until_at"],
        promise_date=row["promise_date"],
        invoice_ids=_ids(row["invoice_ids"]),
        reply_wamid=row["reply_wamid"],
        date_attempts=int(row["date_attempts"]),
        followed_up=bool(row["followed_up"]),
    )
