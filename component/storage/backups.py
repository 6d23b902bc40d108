"""Backups of the SQLite store, and finding the one to restore.

``xero-wa db backup`` and every upgrade of an existing store copy it with SQLite's online backup
API (a consistent copy while other processes keep writing) into ``<home>/backups/`` as
``state-YYYYMMDDTHHMMSSZ.db`` (mode 0600). An error about a missing, emptied or corrupt store
names the newest of them, so the fix is one copy away.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

from component.errors import StoreError

BACKUP_DIR = "backups"


def backups_dir(store_path: Path) -> Path:
    return store_path.parent / BACKUP_DIR


def newest_backup(store_path: Path) -> Path | None:
    """The most recent backup beside the store (names sort by time), if any."""
    folder = backups_dir(store_path)
    try:
        found = sorted(p for p in folder.glob(f"{store_path.stem}-*.db") if p.stat().st_size)
    except OSError:
        return None
    return found[-1] if found else None


def restore_hint(store_path: Path) -> str:
    """What to restore: the newest backup, or where backups would be."""
    backup = newest_backup(store_path)
    if backup is not None:
        return f"restore the newest backup: cp {backup} {store_path}"
    return (
        f"restore it from your own backup (there is none in {backups_dir(store_path)}; "
        "`xero-wa db backup` makes one)"
    )


def backup(store_path: Path, now: datetime, dest: Path | None = None) -> Path:
    """Copy the store with the online backup API; the copy's path."""
    import sqlite3  # only here: finding backups (every command's start-up) needs none

    stamp = now.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    target = dest or backups_dir(store_path) / f"{store_path.stem}-{stamp}.db"
    target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    if target.exists():
        raise StoreError(f"the backup {target} already exists; choose another --to")
    partial = target.with_name(target.name + ".partial")
    fd = os.open(partial, os.O_CREAT | os.O_WRONLY | os.O_TRUNC, 0o600)
    os.close(fd)
    source = sqlite3.connect(f"file:{store_path}?mode=ro", uri=True)
    copy = sqlite3.connect(partial)
    try:
        source.backup(copy)
        copy.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
    except sqlite3.Error as exc:
        partial.unlink(missing_ok=True)
        raise StoreError(f"could not back up the store {store_path} to {target}: {exc}") from exc
    finally:
        copy.close()
        source.close()
    os.replace(partial, target)
    return target
