"""Stored connections: the values a user gave ``xero-wa connect``, by name."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from component.storage.store import Store


@dataclass(frozen=True)
class StoredConnection:
    name: str
    type: str
    family: str
    values: dict[str, Any] = field(repr=False)


class ConnectionsRepo:
    def __init__(self, store: Store) -> None:
        self._store = store

    def names(self, family: str | None = None) -> list[str]:
        sql = "SELECT name FROM connections"
        args: tuple[str, ...] = ()
        if family is not None:
            sql += " WHERE family = ?"
            args = (family,)
        return [row["name"] for row in self._store.conn.execute(sql + " ORDER BY name", args)]

    def get(self, name: str) -> StoredConnection | None:
        row = self._store.conn.execute(
            "SELECT name, type, family, values_json FROM connections WHERE name = ?", (name,)
        ).fetchone()
        if row is None:
            return None
        return StoredConnection(row["name"], row["type"], row["family"], json.loads(row["values_json"]))

    def put(self, name: str, type_key: str, family: str, values: dict[str, Any]) -> None:
        now = datetime.now(UTC).isoformat()
        with self._store.transaction() as conn:
            conn.execute(
                """INSERT INTO connections (name, type, family, values_json, created_at, updated_at)
                   VALUES (?, ?, ?, ?, ?, ?)
                   ON CONFLICT(name) DO UPDATE SET type = excluded.type, family = excluded.family,
                       values_json = excluded.values_json, updated_at = excluded.updated_at""",
                (name, type_key, family, json.dumps(values), now, now),
            )

    def delete(self, name: str) -> bool:
        with self._store.transaction() as conn:
            return conn.execute("DELETE FROM connections WHERE name = ?", (name,)).rowcount > 0
