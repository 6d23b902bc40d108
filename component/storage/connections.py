"""Stored connections: the values a user gave ``xero-wa connect``, by name.

The values (client secrets, WhatsApp tokens...) are stored as one JSON text sealed by the
cipher: encrypted when ``XERO_WA_SECRET_KEY`` is set, plain otherwise. Names, types and families
stay readable so connections can be listed without the key.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from component.storage.crypto import PLAIN, Cipher
from component.storage.database import rerun_on_drop

if TYPE_CHECKING:
    from component.storage.database import Conn
    from component.storage.store import Store


@dataclass(frozen=True)
class StoredConnection:
    name: str
    type: str
    family: str
    values: dict[str, Any] = field(repr=False)


@dataclass(frozen=True)
class ConnectionRow:
    """What can be shown about a connection without decrypting anything."""

    name: str
    type: str
    family: str
    created_at: str
    updated_at: str


class ConnectionsRepo:
    def __init__(self, store: Store) -> None:
        self._store = store

    def names(self, family: str | None = None) -> list[str]:
        sql = "SELECT name FROM connections"
        args: tuple[str, ...] = ()
        if family is not None:
            sql += " WHERE family = ?"
            args = (family,)
        return [row["name"] for row in self._store.fetchall(sql + " ORDER BY name", args)]

    def rows(self) -> list[ConnectionRow]:
        cursor = self._store.fetchall(
            "SELECT name, type, family, created_at, updated_at FROM connections ORDER BY name"
        )
        return [
            ConnectionRow(r["name"], r["type"], r["family"], r["created_at"], r["updated_at"])
            for r in cursor
        ]

    def get(self, name: str, cipher: Cipher = PLAIN) -> StoredConnection | None:
        row = self._store.fetchone(
            "SELECT name, type, family, values_json FROM connections WHERE name = ?", (name,)
        )
        if row is None:
            return None
        text = cipher.open(row["values_json"], f"the settings of connection {name!r}")
        return StoredConnection(row["name"], row["type"], row["family"], json.loads(text or "{}"))

    @rerun_on_drop
    def put(
        self, name: str, type_key: str, family: str, values: dict[str, Any], cipher: Cipher = PLAIN
    ) -> None:
        with self._store.transaction() as conn:
            write_connection(conn, name, type_key, family, values, cipher)

    @rerun_on_drop
    def delete(self, name: str) -> bool:
        with self._store.transaction() as conn:
            return conn.execute("DELETE FROM connections WHERE name = ?", (name,)).rowcount > 0


def write_connection(
    conn: Conn,
    name: str,
    type_key: str,
    family: str,
    values: dict[str, Any],
    cipher: Cipher = PLAIN,
) -> None:
    """Insert or replace a connection inside the caller's transaction (e.g. with its tokens)."""
    now = datetime.now(UTC).isoformat()
    conn.execute(
        """INSERT INTO connections (name, type, family, values_json, created_at, updated_at)
           VALUES (?, ?, ?, ?, ?, ?)
           ON CONFLICT(name) DO UPDATE SET type = excluded.type, family = excluded.family,
               values_json = excluded.values_json, updated_at = excluded.updated_at""",
        (name, type_key, family, cipher.seal(json.dumps(values)), now, now),
    )
