"""The store's schema, as an ordered list of migrations.

Each feature appends its own entries (a unique id and the SQL); ``Store.open`` applies the ones
not yet recorded, in order, inside one transaction each. Never edit an entry once committed:
add a new one.
"""

from __future__ import annotations

MIGRATIONS: list[tuple[str, str]] = [
    (
        "0001_connections",
        """
        CREATE TABLE connections (
            name        TEXT PRIMARY KEY,
            type        TEXT NOT NULL,
            family      TEXT NOT NULL,
            -- JSON of the connection's input values; secret fields are encrypted when a key is set
            values_json TEXT NOT NULL,
            created_at  TEXT NOT NULL,
            updated_at  TEXT NOT NULL
        );
        """,
    ),
]
