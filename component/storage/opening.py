"""Which database a store is, and opening it safely: the backend seam of ``Store.open``.

``XERO_WA_DATABASE_URL=postgresql://…`` selects PostgreSQL (``component.storage.postgres_db``,
installed with ``pip install 'xero-wa[postgres]'``); otherwise the store is the SQLite file
``state.db`` in the data home.

A lost store must never look like a new one (issue 10 item 2): a fresh, empty store would send
every reminder again. So:

- A new store is built under a temporary name, migrated, and only then linked to ``state.db``;
  a crash mid-creation leaves no ``state.db`` at all, never a 0-byte or half-made one. Beside
  it goes ``state.db.marker``, which says "a store existed here".
- ``state.db`` missing while its marker (or a backup in ``backups/``) exists is an error, as is
  a 0-byte file (never a state this code leaves), a file that is not SQLite, a truncated one
  and one SQLite finds malformed. Each names the file and the backup to restore. To start over
  deliberately, delete ``state.db`` and ``state.db.marker``.
- A store this user cannot write (a read-only file or folder, an immutable file) is opened
  read-only (``mode=ro``, or ``immutable=1`` when SQLite could not even create its shared-memory
  file): read-only commands work, and every write fails with a ``StoreError`` naming the file.
  Opening never runs ``chmod`` on such a store, and never writes to it.
"""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from component.storage.backups import newest_backup, restore_hint
from component.storage.database import Database, StoreError
from component.storage.database_url import mask_url

if TYPE_CHECKING:
    from component.config import Settings
    from component.storage.sqlite_db import SqliteDatabase

POSTGRES_SCHEMES = ("postgresql://", "postgres://", "postgresql+psycopg://")
SQLITE_MAGIC = b"SQLite format 3\x00"


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


def store_expected(settings: Settings) -> bool:
    """True unless the store is SQLite and no ``state.db``, marker or backup is there: commands
    that only read may then answer "nothing stored yet" without creating a store."""
    url = settings.xero_wa_database_url
    if url is not None and url.get_secret_value():
        return True
    path = settings.store_path
    return path.exists() or marker_path(path).exists() or newest_backup(path) is not None


# ---------------------------------------------------------------------------- SQLite
def marker_path(path: Path) -> Path:
    return path.with_name(path.name + ".marker")


def open_sqlite(path: Path) -> SqliteDatabase:
    """Open the SQLite store at ``path``: create it when new, refuse it when lost or damaged."""
    if not path.exists():
        existed = marker_path(path)
        if existed.exists() or newest_backup(path) is not None:
            raise StoreError(
                f"the store {path} is missing, but a store existed here "
                f"({existed if existed.exists() else 'a backup'} says so); starting afresh "
                f"would send every reminder again, so xero-wa stops: {restore_hint(path)}. "
                f"Only to start again with an empty store on purpose, delete {existed}"
            )
        return _create(path)
    inspect_file(path)
    read_only, immutable = _access(path)
    if not read_only and (path.stat().st_mode & 0o777) != 0o600:
        os.chmod(path, 0o600)
    from component.storage.sqlite_db import SqliteDatabase

    db = SqliteDatabase(path, read_only=read_only, immutable=immutable)
    if not read_only:
        for suffix in ("-wal", "-shm"):
            side = Path(f"{path}{suffix}")
            if side.exists() and (side.stat().st_mode & 0o777) != 0o600:
                os.chmod(side, 0o600)
        if not marker_path(path).exists():
            _write_marker(path)  # a store made before markers existed gets one now
    return db


def inspect_file(path: Path) -> None:
    """Refuse a file that cannot be the store: empty, not SQLite, or cut short."""
    size = path.stat().st_size
    if size == 0:
        raise StoreError(
            f"the store {path} is empty (0 bytes): its data was lost (a failed copy, a full "
            "disk, a truncation). Starting afresh would send every reminder again, so xero-wa "
            f"stops: {restore_hint(path)}. Only to start again with an empty store on purpose, "
            f"delete {path} and {marker_path(path)}"
        )
    try:
        with path.open("rb") as handle:
            header = handle.read(100)
    except OSError as exc:
        raise StoreError(f"cannot read the store {path}: {exc.strerror}") from exc
    if not header.startswith(SQLITE_MAGIC):
        raise StoreError(
            f"the store {path} is not an SQLite database (overwritten or corrupt): "
            f"{restore_hint(path)}"
        )
    if len(header) < 100 or _cut_short(path, header, size):
        raise StoreError(
            f"the store {path} is truncated ({size} bytes; its header says more): "
            f"{restore_hint(path)}"
        )


def _cut_short(path: Path, header: bytes, size: int) -> bool:
    """The header's page count says the file should be longer (confirmed by SQLite itself,
    since a checkpoint in progress may briefly look the same)."""
    page_size = int.from_bytes(header[16:18], "big")
    page_size = 65536 if page_size == 1 else page_size
    pages = int.from_bytes(header[28:32], "big")
    counted = header[24:28] == header[92:96] and pages > 0
    if size % max(page_size, 1) == 0 and not (counted and size < pages * page_size):
        return False
    import sqlite3

    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            rows = conn.execute("PRAGMA quick_check").fetchall()
        finally:
            conn.close()
    except sqlite3.Error:
        return True
    return [tuple(r) for r in rows] != [("ok",)]


def _access(path: Path) -> tuple[bool, bool]:
    """(read_only, immutable): read-only when this user cannot write the file, or cannot
    create SQLite's side files in its folder; immutable when SQLite cannot even create the
    shared-memory file a read-only WAL reader needs."""
    folder_writable = os.access(path.parent, os.W_OK)
    file_writable = os.access(path, os.W_OK)
    if file_writable and folder_writable:
        return False, False
    shm = Path(f"{path}-shm")
    return True, not folder_writable and not shm.exists()


def _create(path: Path) -> SqliteDatabase:
    """Build a new store under a temporary name and link it into place when complete."""
    from component.storage import migrations
    from component.storage.sqlite_db import SqliteDatabase

    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        temporary = path.with_name(f".{path.name}.new-{os.getpid()}")
        temporary.unlink(missing_ok=True)
        os.close(os.open(temporary, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
    except OSError as exc:
        raise StoreError(
            f"cannot create the store {path}: {exc.strerror} (is the data home "
            f"{path.parent} writable by this user?)"
        ) from exc
    try:
        building = SqliteDatabase(temporary)
        try:
            migrations.upgrade(building)
        finally:
            building.close()
        try:
            os.link(temporary, path)  # never replaces a store another process just made
        except FileExistsError:
            pass
        else:
            _write_marker(path)
    finally:
        temporary.unlink(missing_ok=True)
        for suffix in ("-wal", "-shm", "-journal"):
            Path(f"{temporary}{suffix}").unlink(missing_ok=True)
    return open_sqlite(path)


def _write_marker(path: Path) -> None:
    """Best effort: a store that cannot get its marker still works (it is only less guarded)."""
    text = json.dumps(
        {
            "store": path.name,
            "createdAt": datetime.now(UTC).isoformat(timespec="seconds"),
            "meaning": (
                f"a xero-wa store existed here; if {path.name} is missing or empty, restore it "
                "from backups/ (xero-wa refuses to start afresh). Delete this file only to "
                "start again with an empty store on purpose."
            ),
        },
        indent=2,
    )
    try:
        fd = os.open(marker_path(path), os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    except OSError:
        return
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text + "\n")
