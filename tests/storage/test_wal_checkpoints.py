"""The SQLite store's log is checkpointed in a thread of its own, never inside a commit."""

# SQLite only: PostgreSQL has no write-ahead log file of ours to checkpoint.

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from component.storage import wal_checkpoints
from component.storage.sqlite_db import SqliteDatabase
from component.storage.store import Store
from component.storage.wal_checkpoints import WalCheckpointer

#: Pages written by ``_fill``: well past SQLite's automatic checkpoint at 1,000.
PAGES = 1_600
#: Seconds a test waits for the thread to do what it was asked (it takes milliseconds).
PATIENCE = 10.0


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    store = Store.open(tmp_path / "state.db")
    yield store
    store.close()


def _db(store: Store) -> SqliteDatabase:
    db = store.db
    assert isinstance(db, SqliteDatabase)
    return db


def _checkpoints(store: Store) -> WalCheckpointer:
    checkpoints = _db(store).checkpoints
    assert checkpoints is not None
    return checkpoints


def _fill(store: Store) -> None:
    """About ``PAGES`` pages of 4 KiB, in 40 commits."""
    with store.transaction() as conn:
        conn.execute("CREATE TABLE IF NOT EXISTS filler (b BLOB)")
    for _ in range(40):
        with store.transaction() as conn:
            conn.executemany("INSERT INTO filler VALUES (?)", [(b"x" * 4000,)] * (PAGES // 40))


def _log_pages(path: Path) -> int:
    wal = Path(f"{path}-wal")
    return wal.stat().st_size // 4096 if wal.exists() else 0


def _until(done: Callable[[], bool], what: str) -> None:
    """Wait for the checkpoint thread (another thread: polled, with a deadline)."""
    deadline = time.monotonic() + PATIENCE
    while not done():
        assert time.monotonic() < deadline, what
        time.sleep(0.01)


def test_a_writable_stores_connections_leave_checkpoints_to_the_thread(store: Store) -> None:
    with store.read() as conn:
        assert conn.execute("PRAGMA wal_autocheckpoint").fetchone()[0] == 0


def test_commits_past_a_thousand_pages_do_not_checkpoint_the_log_themselves(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With SQLite's automatic checkpoint, the commit that took the log past 1,000 pages copied
    it into the database file and synced it (15-100 ms on a large store), and the log started
    over: it never grew much past 1,000 pages. Here every commit only appends."""
    monkeypatch.setattr(wal_checkpoints, "INTERVAL_SECONDS", 3600.0)  # the thread's turn: later
    _fill(store)
    assert _log_pages(tmp_path / "state.db") >= PAGES
    assert _checkpoints(store).runs == 0


def test_the_thread_checkpoints_what_was_committed(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(wal_checkpoints, "INTERVAL_SECONDS", 0.01)
    _fill(store)
    checkpoints = _checkpoints(store)
    assert checkpoints.running
    _until(lambda: checkpoints.last is not None and checkpoints.last[1] >= PAGES, "no checkpoint")
    busy, frames, copied = checkpoints.last or (1, 0, 0)
    assert (busy, copied) == (0, frames)  # everything in the log is in the database file now
    with store.read() as conn:
        assert conn.execute("SELECT count(*) FROM filler").fetchone()[0] == PAGES // 40 * 40


def test_closing_the_store_stops_the_thread_and_removes_the_log(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(wal_checkpoints, "INTERVAL_SECONDS", 0.01)
    store = Store.open(tmp_path / "state.db")
    _fill(store)
    checkpoints = _checkpoints(store)
    store.close()
    assert not checkpoints.running
    assert not Path(f"{tmp_path / 'state.db'}-wal").exists()  # the last connection checkpointed
    checkpoints.committed()  # a commit racing the close starts nothing after it
    assert not checkpoints.running
    reopened = Store.open(tmp_path / "state.db")
    try:
        with reopened.read() as conn:
            assert conn.execute("SELECT count(*) FROM filler").fetchone()[0] == PAGES // 40 * 40
    finally:
        reopened.close()


def test_a_store_that_only_reads_starts_no_thread(store: Store) -> None:
    with store.read() as conn:
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    assert not _checkpoints(store).running


def test_a_read_only_store_has_no_checkpoints(store: Store, tmp_path: Path) -> None:
    store.close()
    read_only = SqliteDatabase(tmp_path / "state.db", read_only=True)
    try:
        assert read_only.checkpoints is None
    finally:
        read_only.close()


def test_a_failed_checkpoint_is_tried_again_at_the_next_turn(tmp_path: Path) -> None:
    """A checkpoint that fails (a full disk, an I/O error) changes nothing for the commits: the
    log keeps them, and the next turn tries again."""
    conn = sqlite3.connect(tmp_path / "plain.db", isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA wal_autocheckpoint=0")
    conn.execute("CREATE TABLE t (v)")
    conn.execute("INSERT INTO t VALUES (1)")
    checkpoints = WalCheckpointer(lambda: conn, "plain.db")
    checkpoints.stop()  # no thread: the test takes the turns itself
    checkpoints.committed()
    assert not checkpoints.running

    class Failing:
        def execute(self, sql: str) -> None:
            raise sqlite3.OperationalError("disk I/O error")

    checkpoints.checkpoint_now(Failing())  # type: ignore[arg-type]
    assert (checkpoints.runs, checkpoints.last, checkpoints.owed) == (0, None, True)
    checkpoints.checkpoint_now(conn)
    assert (checkpoints.runs, checkpoints.owed) == (1, False)
    busy, frames, copied = checkpoints.last or (1, 0, 0)
    assert (busy, copied) == (0, frames)
    assert frames > 0
    conn.close()
