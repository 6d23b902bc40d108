"""Issue 10 item 2: a lost, emptied, truncated or corrupt store is never a fresh start."""

# SQLite only: a lost, empty, truncated or foreign file, its marker and backups (a
# PostgreSQL server has none of these).

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest

from component.errors import StoreError
from component.storage import migrations, opening
from component.storage.backups import backup
from component.storage.store import Store

NOW = datetime(2026, 7, 1, 9, 0, tzinfo=UTC)


def _store_with_data(path: Path, rows: int = 200) -> None:
    store = Store.open(path)
    try:
        for n in range(rows):
            store.connections.put(f"conn-{n:04}", "xero_oauth", "xero", {"pad": "x" * 200})
    finally:
        store.close()


def test_a_new_home_gets_a_complete_store_and_its_marker(tmp_path: Path) -> None:
    path = tmp_path / "home" / "state.db"
    store = Store.open(path)
    store.close()
    assert opening.marker_path(path).exists()
    assert (path.stat().st_mode & 0o777) == 0o600
    assert sorted(p.name for p in path.parent.iterdir()) == ["state.db", "state.db.marker"]


def test_a_zero_byte_store_is_refused_naming_the_file_and_the_backup(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    _store_with_data(path, rows=3)
    saved = backup(path, NOW)
    path.write_bytes(b"")
    with pytest.raises(StoreError) as caught:
        Store.open(path)
    message = caught.value.message
    assert f"the store {path} is empty (0 bytes)" in message
    assert f"cp {saved} {path}" in message
    assert caught.value.exit_code == 11
    assert path.stat().st_size == 0  # not silently re-created


def test_a_zero_byte_store_without_marker_or_backup_is_still_refused(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    path.write_bytes(b"")
    with pytest.raises(StoreError, match="is empty"):
        Store.open(path)


def test_a_missing_store_where_one_existed_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    _store_with_data(path, rows=1)
    path.unlink()
    with pytest.raises(StoreError) as caught:
        Store.open(path)
    assert f"the store {path} is missing, but a store existed here" in caught.value.message
    assert str(opening.marker_path(path)) in caught.value.message
    assert not path.exists()


def test_a_truncated_store_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    _store_with_data(path)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2 + 100])
    with pytest.raises(StoreError, match=r"is truncated"):
        Store.open(path)


def test_a_file_that_is_not_sqlite_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    _store_with_data(path, rows=1)
    path.write_bytes(b"this is not a database at all" * 200)
    with pytest.raises(StoreError, match="is not an SQLite database"):
        Store.open(path)


def test_a_crash_while_creating_leaves_no_half_made_store(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "state.db"

    def crash(db: object) -> list[str]:
        raise KeyboardInterrupt  # the process is stopped mid-creation

    monkeypatch.setattr(migrations, "upgrade", crash)
    with pytest.raises(KeyboardInterrupt):
        Store.open(path)
    assert list(tmp_path.iterdir()) == []
    monkeypatch.undo()
    Store.open(path).close()  # the next run creates it properly
    assert opening.marker_path(path).exists()


def test_backup_is_a_consistent_copy_with_the_data(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    _store_with_data(path, rows=5)
    saved = backup(path, NOW)
    assert saved == tmp_path / "backups" / "state-20260701T090000Z.db"
    assert (saved.stat().st_mode & 0o777) == 0o600
    copy = sqlite3.connect(saved)
    try:
        assert copy.execute("SELECT count(*) FROM connections").fetchone()[0] == 5
    finally:
        copy.close()
    with pytest.raises(StoreError, match="already exists"):
        backup(path, NOW)
