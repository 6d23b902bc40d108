"""Versioned migrations: the store's schema version and how to bring a store up to date.

The ordered list lives in ``component.storage.schema.MIGRATIONS``. Each applied migration's id
is recorded in ``_migrations``; the store's **schema version** is the position (1-based) of the
last migration applied in that list, so the code's version is ``len(MIGRATIONS)``. A store
holding an id this code does not know was written by newer code: it is refused, never
"downgraded". Never edit a migration once committed: append a new one.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass

from component.storage.database import Conn, Database, StoreError


@dataclass(frozen=True)
class Migration:
    """One schema step. ``sql`` is portable; ``postgres`` replaces it where DDL differs.

    ``automatic``: whether a CLI command may apply it by itself (after taking a backup). A step
    that rewrites or drops data sets it to False, so only ``xero-wa db upgrade`` applies it.
    """

    id: str
    sql: str
    postgres: str | None = None
    automatic: bool = True

    def sql_for(self, dialect: str) -> str:
        """The DDL for ``dialect``: on PostgreSQL the explicit override, else the portable SQL
        translated (identity keys, BIGINT, BYTEA, byte-order TEXT: ``postgres_ddl``)."""
        if dialect != "postgres":
            return self.sql
        if self.postgres is not None:
            return self.postgres
        from component.storage.postgres_sql import postgres_ddl

        return postgres_ddl(self.sql)


@dataclass(frozen=True)
class SchemaStatus:
    """Where a store stands against this code."""

    version: int  # 0: nothing applied (a brand-new database)
    code_version: int
    pending: tuple[Migration, ...]
    unknown: tuple[str, ...]  # applied ids this code does not know (newer code wrote them)

    @property
    def current(self) -> bool:
        return not self.pending and not self.unknown

    @property
    def newer(self) -> bool:
        return bool(self.unknown)

    @property
    def automatic(self) -> bool:
        """Every pending step may be applied by a CLI command without asking."""
        return all(m.automatic for m in self.pending)


def code_migrations() -> list[Migration]:
    from component.storage.schema import MIGRATIONS

    return [m if isinstance(m, Migration) else Migration(*m) for m in MIGRATIONS]


def status(db: Database, migrations: Sequence[Migration] | None = None) -> SchemaStatus:
    """Read the applied ids (a store without ``_migrations`` is at version 0)."""
    migrations = list(migrations if migrations is not None else code_migrations())
    with db.read() as conn:
        applied = _applied(conn)
    known = [m.id for m in migrations]
    version = 0
    for index, migration in enumerate(migrations, start=1):
        if migration.id in applied:
            version = index
    return SchemaStatus(
        version=version,
        code_version=len(migrations),
        pending=tuple(m for m in migrations if m.id not in applied),
        unknown=tuple(sorted(applied - set(known))),
    )


def upgrade(db: Database, migrations: Sequence[Migration] | None = None) -> list[str]:
    """Apply every pending migration, each in its own write transaction; the applied ids."""
    migrations = list(migrations if migrations is not None else code_migrations())
    done: list[str] = []
    with db.transaction() as conn:
        conn.execute("CREATE TABLE IF NOT EXISTS _migrations (id TEXT PRIMARY KEY)")
    for migration in migrations:
        with db.transaction() as conn:
            # Re-read under the write lock: another process may have applied it meanwhile.
            if migration.id in _applied(conn):
                continue
            for statement in statements(migration.sql_for(conn.dialect)):
                conn.execute(statement)
            conn.execute("INSERT INTO _migrations (id) VALUES (?)", (migration.id,))
            done.append(migration.id)
    return done


def refuse_unknown(current: SchemaStatus, location: str) -> None:
    if current.newer:
        raise StoreError(
            f"the store {location} has schema changes this version of xero-wa does not know "
            f"({', '.join(current.unknown)}): it was written by a newer xero-wa. Upgrade "
            "xero-wa; never use an older one on this store"
        )


def _applied(conn: Conn) -> set[str]:
    try:
        return {row[0] for row in conn.execute("SELECT id FROM _migrations")}
    except sqlite3.OperationalError as exc:
        if "no such table" in str(exc):
            return set()
        raise
    except Exception as exc:  # PostgreSQL: undefined table
        if type(exc).__name__ == "UndefinedTable":
            return set()
        raise


_COMMENT = re.compile(r"--[^\n]*")


def statements(sql: str) -> list[str]:
    """Split a migration into statements; ``;`` inside comments or strings does not split."""
    out, current = [], ""
    for piece in sql.split(";"):
        current += piece + ";"
        if sqlite3.complete_statement(current):
            if _COMMENT.sub("", current).strip(" \n\t;"):
                out.append(current)
            current = ""
    if _COMMENT.sub("", current).strip(" \n\t;"):
        out.append(current)
    return out
