"""Which database a store is, and opening it: the backend seam of ``Store.open``.

``XERO_WA_DATABASE_URL=postgresql://…`` selects PostgreSQL (``component.storage.postgres_db``,
installed with ``pip install 'xero-wa[postgres]'``); otherwise the store is the SQLite file
``state.db`` in the data home.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from component.storage.database import Database, StoreError
from component.storage.sqlite_db import SqliteDatabase

if TYPE_CHECKING:
    from component.config import Settings

POSTGRES_SCHEMES = ("postgresql://", "postgres://", "postgresql+psycopg://")


def open_database(target: Settings | Path | str) -> Database:
    """The database ``target`` names: settings (URL or data home) or an SQLite file path."""
    if isinstance(target, str | Path):
        return open_sqlite(Path(target))
    url = target.xero_wa_database_url
    if url is not None and url.get_secret_value():
        return open_postgres(url.get_secret_value())
    return open_sqlite(target.store_path)


def open_postgres(url: str) -> Database:
    if not url.startswith(POSTGRES_SCHEMES):
        raise StoreError(
            f"XERO_WA_DATABASE_URL must start with postgresql:// (got {mask_url(url)}); unset it "
            "to use the SQLite file in the data home"
        )
    try:
        from component.storage import postgres_db  # type: ignore[attr-defined,unused-ignore]
    except ImportError as exc:
        raise StoreError(
            f"XERO_WA_DATABASE_URL={mask_url(url)} needs the PostgreSQL backend: "
            "pip install 'xero-wa[postgres]'"
        ) from exc
    database: Database = postgres_db.open_postgres(url)
    return database


def open_sqlite(path: Path) -> SqliteDatabase:
    """Open the SQLite store at ``path``, creating it (mode 0600, folder 0700) when new."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    if not path.exists():
        fd = os.open(path, os.O_CREAT | os.O_WRONLY, 0o600)
        os.close(fd)
    os.chmod(path, 0o600)
    db = SqliteDatabase(path)
    for suffix in ("-wal", "-shm"):
        side = Path(f"{path}{suffix}")
        if side.exists():
            os.chmod(side, 0o600)
    return db


def mask_url(url: str) -> str:
    """The URL with its password replaced by ``***`` (for messages and logs)."""
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(url)
    if parts.password is None:
        return url
    user = parts.username or ""
    host = parts.hostname or ""
    port = f":{parts.port}" if parts.port else ""
    return urlunsplit(parts._replace(netloc=f"{user}:***@{host}{port}"))
