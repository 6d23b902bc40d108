"""Who a WhatsApp user is: phone number ↔ business-scoped user id (BSUID), as Meta reports it.

Meta sends the BSUID (``user_id``) with every message and status since April 2026, and withholds
the phone of a user who adopted a username. The store learns each pair whenever a webhook carries
both (a status of a reminder we sent to a number carries ``recipient_id`` and
``recipient_user_id``), keeps the username, and follows the system messages: a new number brings a
new BSUID (``user_changed_number``), and a BSUID can be regenerated (``user_changed_user_id``).
The old ids are kept pointing at the same person, so history and opt-outs stay with them.

So a STOP that carries only a BSUID still reaches the phone the reminders go to
(:meth:`phone_for`), and a phone's opt-out still matches when the customer writes under a new id.
BSUIDs are scoped to a business portfolio; one store serves one portfolio's numbers, so the
``user_id`` alone is the key.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from component.storage.events import stamp
from component.storage.migrations import Migration

if TYPE_CHECKING:
    from component.storage.store import Store

MIGRATION = Migration(
    "0810_whatsapp_identities",
    """
    CREATE TABLE whatsapp_identities (
        user_id     TEXT PRIMARY KEY,      -- BSUID, e.g. IN.1502576394655843
        phone       TEXT,                  -- E.164 with +, NULL while Meta withholds it
        username    TEXT,
        current_id  TEXT,                  -- the newer BSUID this one was replaced by, if any
        updated_at  TEXT NOT NULL
    );
    CREATE INDEX whatsapp_identities_phone ON whatsapp_identities (phone)
    """,
)


@dataclass(frozen=True)
class Identity:
    user_id: str
    phone: str | None
    username: str | None
    current_id: str | None


def e164(digits: str | None) -> str | None:
    """Meta's digits → our "+" form (None stays None)."""
    if not digits:
        return None
    cleaned = "".join(ch for ch in digits if ch.isdigit())
    return f"+{cleaned}" if cleaned else None


class IdentitiesRepo:
    def __init__(self, store: Store) -> None:
        self._store = store

    def learn(self, user_id: str, phone: str | None, username: str | None, at: datetime) -> None:
        """Record what a webhook said about ``user_id``; known facts are never erased by a
        webhook that omits them (a username-only message does not forget the number)."""
        with self._store.transaction() as conn:
            conn.execute(
                """INSERT INTO whatsapp_identities (user_id, phone, username, updated_at)
                   VALUES (?, ?, ?, ?)
                   ON CONFLICT (user_id) DO UPDATE SET
                       phone = COALESCE(excluded.phone, whatsapp_identities.phone),
                       username = COALESCE(excluded.username, whatsapp_identities.username),
                       updated_at = excluded.updated_at""",
                (user_id, e164(phone), username, stamp(at)),
            )

    def replace(
        self, previous: str | None, user_id: str, new_phone: str | None, at: datetime
    ) -> str | None:
        """A system message: ``previous`` became ``user_id`` (and maybe a new number).
        Returns the phone the person had before, so callers can move what hangs on it."""
        old = self.get(previous) if previous else None
        with self._store.transaction() as conn:
            phone = e164(new_phone) or (old.phone if old else None)
            username = old.username if old else None
            conn.execute(
                """INSERT INTO whatsapp_identities (user_id, phone, username, updated_at)
                   VALUES (?, ?, ?, ?)
                   ON CONFLICT (user_id) DO UPDATE SET
                       phone = COALESCE(excluded.phone, whatsapp_identities.phone),
                       updated_at = excluded.updated_at""",
                (user_id, phone, username, stamp(at)),
            )
            if previous and previous != user_id:
                conn.execute(
                    """INSERT INTO whatsapp_identities (user_id, current_id, updated_at)
                       VALUES (?, ?, ?)
                       ON CONFLICT (user_id) DO UPDATE SET current_id = excluded.current_id,
                           updated_at = excluded.updated_at""",
                    (previous, user_id, stamp(at)),
                )
        return old.phone if old else None

    def get(self, user_id: str) -> Identity | None:
        row = self._store.fetchone(
            "SELECT * FROM whatsapp_identities WHERE user_id = ?", (user_id,)
        )
        if row is None:
            return None
        return Identity(row["user_id"], row["phone"], row["username"], row["current_id"])

    def phone_for(self, user_id: str) -> str | None:
        """The number behind a BSUID (following replaced ids), if Meta ever showed it."""
        seen: set[str] = set()
        current: str | None = user_id
        while current and current not in seen:
            seen.add(current)
            identity = self.get(current)
            if identity is None:
                return None
            if identity.phone:
                return identity.phone
            current = identity.current_id
        return None

    def ids_for(self, phone: str) -> list[str]:
        """Every BSUID known for a number (newest first)."""
        rows = self._store.fetchall(
            "SELECT user_id FROM whatsapp_identities WHERE phone = ? ORDER BY updated_at DESC",
            (e164(phone),),
        )
        return [row["user_id"] for row in rows]
