"""Opt-outs: the numbers and contacts that must get no WhatsApp reminders.

Two scopes, because opt-outs arrive two ways:

- a **phone** (E.164 with "+"): a customer replied STOP on WhatsApp. WhatsApp knows only the
  number, and the same business number serves every organisation, so a phone opt-out applies to
  all tenants. START removes it. The HTTP service calls::

      store.optouts.add_phone("+919820012345", reason="replied STOP", source="whatsapp_reply")
      store.optouts.remove_phone("+919820012345")          # replied START

- a **contact** of one organisation (``tenant_id``, ``ContactID``): set by an operator (CLI or
  API) when a customer asks by another channel.

The reminder job asks ``is_opted_out(tenant_id, contact_id, phone)`` for each contact before
planning a message. (Members of the policy's Xero contact group are opted out too; that list is
read from Xero on each run, not stored here.)
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC
from typing import TYPE_CHECKING

from component.clock import Clock, SystemClock

if TYPE_CHECKING:
    from component.storage.database import Conn, Row
    from component.storage.store import Store

PHONE = "phone"
CONTACT = "contact"
#: A WhatsApp business-scoped user id: a STOP from a customer whose number Meta withheld.
USER = "user_id"


@dataclass(frozen=True)
class OptOut:
    scope: str
    tenant_id: str | None
    subject: str
    reason: str
    source: str
    created_at: str


class OptOutsRepo:
    def __init__(self, store: Store) -> None:
        self._store = store
        #: When an opt-out was made (``created_at``): the runtime sets its own clock here, so
        #: tests (and the sandbox) date opt-outs by the injected clock, not the wall clock.
        self.clock: Clock = SystemClock()

    # ------------------------------------------------------------------ phones (STOP / START)
    def add_phone(
        self, phone: str, *, reason: str = "replied STOP", source: str = "whatsapp_reply"
    ) -> None:
        """Opt ``phone`` (E.164, "+" optional) out of every organisation's reminders."""
        self._add(PHONE, "", _e164(phone), reason, source)

    def remove_phone(self, phone: str) -> bool:
        """Opt the number back in (replied START); True when it was opted out."""
        return self._remove(PHONE, "", _e164(phone))

    # ------------------------------------------------------------------ BSUIDs (usernames)
    def add_user(
        self, user_id: str, *, reason: str = "replied STOP", source: str = "whatsapp_reply"
    ) -> None:
        """Opt a WhatsApp user id out (every organisation, like a phone)."""
        self._add(USER, "", user_id, reason, source)

    def remove_user(self, user_id: str) -> bool:
        return self._remove(USER, "", user_id)

    def copy_user(self, previous: str, user_id: str) -> bool:
        """The user's BSUID changed: an opt-out of the old id applies to the new one."""
        with self._store.read() as conn:
            row = _find(conn, USER, "", previous)
        if row is None:
            return False
        self._add(USER, "", user_id, row["reason"], row["source"])
        return True

    # ------------------------------------------------------------------ contacts
    def add_contact(
        self, tenant_id: str, contact_id: str, *, reason: str, source: str = "api"
    ) -> None:
        self._add(CONTACT, tenant_id, contact_id.lower(), reason, source)

    def remove_contact(self, tenant_id: str, contact_id: str) -> bool:
        return self._remove(CONTACT, tenant_id, contact_id.lower())

    # ------------------------------------------------------------------ queries
    def is_opted_out(
        self,
        tenant_id: str,
        contact_id: str | None,
        phone: str | None,
        user_id: str | None = None,
    ) -> OptOut | None:
        """The opt-out that applies to this contact, number or user id (the contact's first)."""
        with self._store.read() as conn:
            if user_id:
                row = _find(conn, USER, "", user_id.strip())
                if row is not None:
                    return _optout(row)
            if contact_id:
                row = _find(conn, CONTACT, tenant_id, contact_id.lower())
                if row is not None:
                    return _optout(row)
            if phone:
                row = _find(conn, PHONE, "", _e164(phone))
                if row is not None:
                    return _optout(row)
                for user_id in self._store.identities.ids_for(phone):
                    row = _find(conn, USER, "", user_id)
                    if row is not None:
                        return _optout(row)
            return None

    def all(self) -> list[OptOut]:
        rows = self._store.fetchall("SELECT * FROM optouts ORDER BY created_at, scope, subject")
        return [_optout(row) for row in rows]

    # ------------------------------------------------------------------ helpers
    def _add(self, scope: str, tenant_id: str, subject: str, reason: str, source: str) -> None:
        stamp = self.clock.now().astimezone(UTC).isoformat()
        with self._store.transaction() as conn:
            conn.execute(
                """INSERT INTO optouts (scope, tenant_id, subject, reason, source, created_at)
                   VALUES (?, ?, ?, ?, ?, ?)
                   ON CONFLICT(scope, tenant_id, subject) DO UPDATE SET reason = excluded.reason,
                       source = excluded.source""",
                (scope, tenant_id, subject, reason, source, stamp),
            )

    def _remove(self, scope: str, tenant_id: str, subject: str) -> bool:
        with self._store.transaction() as conn:
            removed = conn.execute(
                "DELETE FROM optouts WHERE scope = ? AND tenant_id = ? AND subject = ?",
                (scope, tenant_id, subject),
            ).rowcount
        return removed > 0


def _e164(phone: str) -> str:
    """Digits with a leading "+": WhatsApp reports ``wa_id`` without it, our sends use it."""
    digits = "".join(ch for ch in phone if ch.isdigit())
    if not digits:
        raise ValueError(f"{phone!r} is not a phone number")
    return f"+{digits}"


def _find(conn: Conn, scope: str, tenant_id: str, subject: str) -> Row | None:
    row: Row | None = conn.execute(
        "SELECT * FROM optouts WHERE scope = ? AND tenant_id = ? AND subject = ?",
        (scope, tenant_id, subject),
    ).fetchone()
    return row


def _optout(row: Row) -> OptOut:
    return OptOut(
        scope=row["scope"],
        tenant_id=row["tenant_id"] or None,
        subject=row["subject"],
        reason=row["reason"],
        source=row["source"],
        created_at=row["created_at"],
    )
