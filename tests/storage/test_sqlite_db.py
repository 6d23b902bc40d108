"""The SQLite backend of the storage interface: reads, writes and closing under concurrency."""

# SQLite only: the SQLite backend itself (PostgreSQL's is test_postgres_db.py).

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from component.storage import sqlite_db
from component.storage.database import StoreError
from component.storage.store import Store


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    store = Store.open(tmp_path / "state.db")
    yield store
    store.close()


def _other_process(path: Path) -> sqlite3.Connection:
    """A plain connection standing in for another process on the same file."""
    return sqlite3.connect(path, isolation_level=None, timeout=0)


def test_repositories_reach_the_database_only_through_read_and_transaction(store: Store) -> None:
    assert not hasattr(store, "conn")
    with store.read() as conn:
        row = conn.execute("SELECT 1 AS one").fetchone()
        assert conn.dialect == "sqlite"
        assert (row[0], row["one"]) == (1, 1)


def test_a_write_succeeds_while_another_thread_holds_a_read_and_another_process_commits(
    store: Store, tmp_path: Path
) -> None:
    """The exact interleaving of item 10: a reader's snapshot is open, another process commits,
    then this process writes. With one connection shared by threads the write's ``BEGIN
    IMMEDIATE`` ran on the reader's stale snapshot and failed at once (SQLITE_BUSY_SNAPSHOT)."""
    store.connections.put("first", "xero_oauth", "xero", {})
    reading, release = threading.Event(), threading.Event()
    seen: list[list[str]] = []

    def reader() -> None:
        with store.read() as conn:
            seen.append([r["name"] for r in conn.execute("SELECT name FROM connections")])
            reading.set()
            release.wait(timeout=30)
            seen.append([r["name"] for r in conn.execute("SELECT name FROM connections")])

    thread = threading.Thread(target=reader)
    thread.start()
    assert reading.wait(timeout=30)
    other = _other_process(tmp_path / "state.db")
    other.execute("INSERT INTO connections VALUES ('other', 'xero_oauth', 'xero', '{}', 'x', 'x')")
    other.close()
    store.connections.put("mine", "xero_oauth", "xero", {})  # must not raise "database is locked"
    release.set()
    thread.join()
    assert seen == [["first"], ["first"]]  # the read kept one consistent snapshot
    assert store.connections.names() == ["first", "mine", "other"]


def test_begin_immediate_is_retried_when_sqlite_answers_busy_without_waiting(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SQLite skips the busy handler in some cases (a stale snapshot, a deadlock it detects):
    the store retries the begin itself until the busy timeout instead of failing the user."""
    store.close()
    holder = _other_process(tmp_path / "state.db")
    holder.execute("BEGIN IMMEDIATE")  # another process holds the write lock
    connect = sqlite_db.SqliteDatabase._connect

    def no_busy_handler(self: sqlite_db.SqliteDatabase) -> sqlite_db.SqliteConn:
        conn = connect(self)
        conn.execute("PRAGMA busy_timeout=0")  # SQLite answers SQLITE_BUSY at once
        return conn

    pauses: list[float] = []

    def pause(seconds: float) -> None:  # the other process commits while we wait
        pauses.append(seconds)
        if len(pauses) == 3 and holder.in_transaction:
            holder.execute("COMMIT")

    monkeypatch.setattr(sqlite_db.SqliteDatabase, "_connect", no_busy_handler)
    monkeypatch.setattr(sqlite_db.time, "sleep", pause)
    reopened = Store.open(tmp_path / "state.db")
    try:
        reopened.connections.put("after-wait", "xero_oauth", "xero", {})
        assert reopened.connections.names() == ["after-wait"]
        assert len(pauses) == 3
    finally:
        reopened.close()
        holder.close()


def test_a_lock_held_past_the_busy_timeout_is_a_store_error_naming_the_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    Store.open(tmp_path / "state.db").close()
    holder = _other_process(tmp_path / "state.db")
    holder.execute("BEGIN IMMEDIATE")
    connect = sqlite_db.SqliteDatabase._connect

    def no_busy_handler(self: sqlite_db.SqliteDatabase) -> sqlite_db.SqliteConn:
        conn = connect(self)
        conn.execute("PRAGMA busy_timeout=0")
        return conn

    ticks = iter(range(0, 100_000, 10))  # each look at the clock is 10 s later
    monkeypatch.setattr(sqlite_db.SqliteDatabase, "_connect", no_busy_handler)
    monkeypatch.setattr(sqlite_db.time, "monotonic", lambda: float(next(ticks)))
    monkeypatch.setattr(sqlite_db.time, "sleep", lambda seconds: None)
    store = Store.open(tmp_path / "state.db")
    try:
        with pytest.raises(StoreError) as caught:
            store.connections.put("x", "xero_oauth", "xero", {})
        assert str(tmp_path / "state.db") in caught.value.message
        assert "locked by another process for 30 s" in caught.value.message
    finally:
        store.close()
        holder.execute("ROLLBACK")
        holder.close()


def test_close_waits_for_a_running_read_and_later_use_is_a_clear_error(tmp_path: Path) -> None:
    """Closing under a running thread segfaulted the interpreter; now close waits for it."""
    store = Store.open(tmp_path / "state.db")
    inside, finish = threading.Event(), threading.Event()
    rows: list[int] = []

    def reader() -> None:
        with store.read() as conn:
            inside.set()
            finish.wait(timeout=30)
            rows.append(conn.execute("SELECT count(*) FROM connections").fetchone()[0])

    thread = threading.Thread(target=reader)
    thread.start()
    assert inside.wait(timeout=30)
    closer = threading.Thread(target=store.close)
    closer.start()
    closer.join(timeout=0.05)
    assert closer.is_alive()  # still waiting for the reader
    finish.set()
    thread.join()
    closer.join(timeout=30)
    assert rows == [0]
    with pytest.raises(StoreError, match="is closed"):
        store.connections.names()
    store.close()  # twice is harmless


def test_nested_blocks_on_one_thread_share_the_transaction(store: Store) -> None:
    with store.transaction() as outer:
        outer.execute("INSERT INTO secret_meta (key, value) VALUES ('a', '1')")
        with store.read() as inner:  # sees the uncommitted row: same transaction
            assert inner.execute("SELECT value FROM secret_meta").fetchone()[0] == "1"
    with pytest.raises(RuntimeError, match="inside a read"), store.read(), store.transaction():
        pass


def test_a_nested_transaction_rolls_back_with_its_outer_one(store: Store) -> None:
    """The nested block is the outer one's connection and transaction: it commits nothing of its
    own, so the outer block's failure undoes its writes too."""

    def outer_fails() -> None:
        with store.transaction() as outer, store.transaction() as inner:
            assert inner is outer
            inner.execute("INSERT INTO secret_meta (key, value) VALUES ('a', '1')")
            raise ValueError("outer fails")

    with pytest.raises(ValueError, match="outer fails"):
        outer_fails()

    with store.read() as conn:
        assert conn.execute("SELECT count(*) FROM secret_meta WHERE key = 'a'").fetchone()[0] == 0


def test_a_damaged_file_is_named_by_a_nested_block_too(store: Store) -> None:
    """The nested block says which file and what to do, as the outermost one does, instead of
    letting a bare sqlite3 error past (an internal error for the caller)."""
    damaged = sqlite3.DatabaseError("database disk image is malformed")
    with (
        store.read(),
        pytest.raises(StoreError, match=r"state\.db is damaged") as raised,
        store.read(),
    ):
        raise damaged

    assert raised.value.__cause__ is damaged


def test_a_nested_block_leaves_other_errors_as_they_are(store: Store) -> None:
    """Only a damaged or read-only file is renamed; a bad query reaches its caller as it is."""

    def nested_query() -> None:
        with store.transaction(), store.transaction() as inner:
            inner.execute("SELECT * FROM no_such_table")

    with pytest.raises(sqlite3.OperationalError, match="no such table"):
        nested_query()
