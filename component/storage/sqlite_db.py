"""The SQLite backend: one file, WAL, ``synchronous=FULL``, a busy timeout, mode 0600.

Concurrency (issue 10 item 10): every process (remind, serve, worker, CLI) and every thread in
it may use the store at once, and no lock error may reach a user. Three rules make that so:

- Connections are pooled and handed to one thread at a time (never one connection shared by
  threads); a thread that nests ``read()``/``transaction()`` reuses its own connection: the
  nested block joins the outer one (``_Joined``).
- A read is a short ``BEGIN``..``COMMIT`` whose rows are fetched inside the block, so no
  snapshot stays open while another process commits. (An open snapshot is what made
  ``BEGIN IMMEDIATE`` fail at once: SQLite cannot upgrade a stale snapshot and skips the busy
  handler.)
- Writers queue on a process lock, then take SQLite's write lock with ``BEGIN IMMEDIATE``; the
  busy handler waits for other processes, and where SQLite answers ``SQLITE_BUSY`` without
  calling it, the begin is retried until the same timeout has passed.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from types import TracebackType
from typing import Any, Literal, TypeVar
from urllib.parse import quote

from component.storage.backups import restore_hint
from component.storage.database import Dialect, StoreError
from component.storage.wal_checkpoints import WalCheckpointer

T = TypeVar("T")

BUSY_TIMEOUT_MS = 30_000
#: Idle connections kept for reuse; more are opened while more threads use the store at once.
POOL_IDLE = 4
SQLITE_BUSY = 5
SQLITE_LOCKED = 6


class SqliteConn(sqlite3.Connection):
    """A ``sqlite3.Connection`` that says which dialect it speaks (rows are ``sqlite3.Row``)."""

    dialect: Literal["sqlite"] = "sqlite"


class _ThreadState(threading.local):
    conn: SqliteConn | None = None
    mode: str = ""  # "read" | "write"


class _Joined:
    """A ``read()`` or ``transaction()`` nested in this thread's open one: it joins it (the outer
    block commits or rolls back), only naming a damaged or read-only file as the outer does.

    A plain object rather than a generator context manager: a write nests about six blocks (the
    repository method, its helpers, the group commit's), and entering and leaving two stacked
    generator blocks took 5.2 µs against 0.6 for this (a nested read 4.8 against 0.5), paid on
    every write the group commit's writer runs.
    """

    __slots__ = ("_conn", "_db")

    def __init__(self, db: SqliteDatabase, conn: SqliteConn) -> None:
        self._db = db
        self._conn = conn

    def __enter__(self) -> SqliteConn:
        return self._conn

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if isinstance(exc, sqlite3.DatabaseError):
            named = self._db.named_error(exc)
            if named is not None:
                raise named from exc


class SqliteDatabase:
    """The store's SQLite file behind the ``Database`` protocol."""

    dialect: Dialect = "sqlite"

    def __init__(self, path: Path, *, read_only: bool = False, immutable: bool = False) -> None:
        self.path = Path(path)
        self.location = str(self.path)
        self.read_only = read_only or immutable
        self._immutable = immutable
        self._write_lock = threading.Lock()
        self._cond = threading.Condition()
        self._idle: list[SqliteConn] = []
        self._active = 0
        self._closed = False
        self._local = _ThreadState()
        #: checkpoints of the log, off the commits' path (``wal_checkpoints``); writable only
        self.checkpoints = (
            None if self.read_only else WalCheckpointer(self._connect, self.path.name)
        )
        # Open one connection now, so a file that is not a database fails here, named.
        self._checkin(self._checkout())

    # ------------------------------------------------------------------ connections
    def _connect(self) -> SqliteConn:
        if self._immutable:
            uri = f"file:{quote(str(self.path))}?mode=ro&immutable=1"
        elif self.read_only:
            uri = f"file:{quote(str(self.path))}?mode=ro"
        else:
            uri = f"file:{quote(str(self.path))}?mode=rw"
        try:
            conn = sqlite3.connect(
                uri,
                uri=True,
                isolation_level=None,
                timeout=BUSY_TIMEOUT_MS / 1000,
                check_same_thread=False,
                factory=SqliteConn,
            )
        except sqlite3.Error as exc:
            raise StoreError(f"cannot open the store {self.path}: {exc}") from exc
        conn.row_factory = sqlite3.Row
        try:
            conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
            # FULL: a commit survives power loss too, not only a killed process. The outbox's
            # "sending" mark and the webhook queue's rows must never roll back after the fact
            # (a duplicate WhatsApp message or a lost event); it costs ~0.2 ms a commit.
            conn.execute("PRAGMA synchronous=FULL")
            conn.execute("PRAGMA foreign_keys=ON")
            if not self.read_only:
                conn.execute("PRAGMA journal_mode=WAL")
                # this process's checkpoints run in their own thread (``wal_checkpoints``)
                conn.execute("PRAGMA wal_autocheckpoint=0")
            else:
                conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        except sqlite3.Error as exc:
            conn.close()
            raise StoreError(
                f"the store {self.path} is not a usable SQLite database ({exc}): "
                f"{restore_hint(self.path)}"
            ) from exc
        return conn

    def _checkout(self) -> SqliteConn:
        with self._cond:
            if self._closed:
                raise StoreError(f"the store {self.path} is closed")
            self._active += 1
            conn = self._idle.pop() if self._idle else None
        if conn is None:
            try:
                conn = self._connect()
            except BaseException:
                self._release()
                raise
        return conn

    def _checkin(self, conn: SqliteConn) -> None:
        with self._cond:
            if self._closed or len(self._idle) >= POOL_IDLE:
                conn.close()
            else:
                self._idle.append(conn)
        self._release()

    def _release(self) -> None:
        with self._cond:
            self._active -= 1
            self._cond.notify_all()

    def _joined(self, mode: str) -> _Joined | None:
        """The block joining this thread's open one, or None when this block is the outermost."""
        state = self._local
        if state.conn is None:
            return None
        if mode == "write" and state.mode == "read":
            raise RuntimeError("a write transaction cannot start inside a read()")
        return _Joined(self, state.conn)

    @contextmanager
    def _own(self, mode: str) -> Iterator[SqliteConn]:
        """A pooled connection, this thread's until the outermost block ends."""
        conn = self._checkout()
        state = self._local
        state.conn, state.mode = conn, mode
        try:
            yield conn
        finally:
            state.conn, state.mode = None, ""
            self._checkin(conn)

    # ------------------------------------------------------------------ the protocol
    def transaction(self, *, immediate: bool = True) -> AbstractContextManager[SqliteConn]:
        """``BEGIN IMMEDIATE`` (or deferred) .. ``COMMIT``; nested blocks join the outer one."""
        if self.read_only:
            raise StoreError(
                f"the store {self.path} is read-only, and this command writes to it: make the "
                "file and its folder writable by this user, or run a read-only command"
            )
        joined = self._joined("write")
        return self._transaction(immediate=immediate) if joined is None else joined

    def read(self) -> AbstractContextManager[SqliteConn]:
        """A short read transaction; rows must be fetched before the block ends."""
        joined = self._joined("read")
        return self._read() if joined is None else joined

    def run(self, work: Callable[[SqliteConn], T], *, immediate: bool = True) -> T:
        """``work(conn)`` in one write transaction."""
        with self.transaction(immediate=immediate) as conn:
            return work(conn)

    def retrying(self, unit: Callable[[], T]) -> T:
        """``unit()``: a file has no connection to drop, so there is nothing to run again."""
        return unit()

    def ping(self, timeout: float) -> None:
        """Open the file anew, read-only, and read its schema: a file deleted, replaced or
        damaged since the store was opened is seen now (the pool's connections still read the
        old one)."""
        mode = "ro&immutable=1" if self._immutable else "ro"
        try:
            conn = sqlite3.connect(
                f"file:{quote(str(self.path))}?mode={mode}", uri=True, timeout=timeout
            )
        except sqlite3.Error as exc:
            raise StoreError(f"cannot open the store {self.path}: {exc}") from exc
        try:
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        except sqlite3.Error as exc:
            raise StoreError(
                f"the store {self.path} cannot be read ({exc}): {restore_hint(self.path)}"
            ) from exc
        finally:
            conn.close()

    def named_error(self, exc: sqlite3.DatabaseError) -> StoreError | None:
        """A damaged or read-only file, said with its name and the fix, not as a bare
        ``sqlite3.DatabaseError`` (which would be an internal error); None for other errors."""
        text = str(exc)
        if "malformed" in text or "not a database" in text:
            return StoreError(
                f"the store {self.path} is damaged ({text}): {restore_hint(self.path)}"
            )
        if "readonly" in text or "read-only" in text:
            return StoreError(
                f"the store {self.path} cannot be written ({text}): make the file and its "
                "folder writable by this user"
            )
        return None

    @contextmanager
    def _named_errors(self) -> Iterator[None]:
        """``named_error`` around an outermost block."""
        try:
            yield
        except sqlite3.DatabaseError as exc:
            named = self.named_error(exc)
            if named is not None:
                raise named from exc
            raise

    @contextmanager
    def _transaction(self, *, immediate: bool = True) -> Iterator[SqliteConn]:
        """The outermost write block: the write lock, ``BEGIN``, then ``COMMIT`` or ``ROLLBACK``."""
        with self._named_errors(), self._own("write") as conn, self._write_lock:
            self._begin(conn, "BEGIN IMMEDIATE" if immediate else "BEGIN")
            try:
                yield conn
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            try:
                conn.execute("COMMIT")
            except sqlite3.Error:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise
            if self.checkpoints is not None:
                self.checkpoints.committed()

    @contextmanager
    def _read(self) -> Iterator[SqliteConn]:
        """The outermost read block: ``BEGIN`` .. ``COMMIT``."""
        with self._named_errors(), self._own("read") as conn:
            self._begin(conn, "BEGIN")
            try:
                yield conn
            finally:
                if conn.in_transaction:
                    conn.execute("COMMIT")

    def _begin(self, conn: SqliteConn, statement: str) -> None:
        """Begin, retrying ``SQLITE_BUSY`` that SQLite returned without waiting, up to the
        busy timeout (its own handler already waited when it could)."""
        deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
        pause = 0.001
        while True:
            try:
                conn.execute(statement)
                return
            except sqlite3.OperationalError as exc:
                if not _is_busy(exc) or time.monotonic() >= deadline:
                    if _is_busy(exc):
                        raise StoreError(
                            f"the store {self.path} stayed locked by another process for "
                            f"{BUSY_TIMEOUT_MS // 1000} s; is a process stuck? (`xero-wa doctor`)"
                        ) from exc
                    raise
            time.sleep(pause)
            pause = min(pause * 2, 0.05)

    def close(self) -> None:
        """Wait until no thread uses a connection, then close them all; twice is harmless.
        Closing a connection another thread is using crashes the interpreter (sqlite3 is not
        safe against that): that is why this waits instead."""
        if self._local.conn is not None:
            raise RuntimeError("close() called inside a read() or transaction()")
        if self.checkpoints is not None:
            self.checkpoints.stop()
        with self._cond:
            self._closed = True
            while self._active:
                self._cond.wait()
            idle, self._idle = self._idle, []
        for conn in idle:
            conn.close()

    @property
    def closed(self) -> bool:
        return self._closed


def _is_busy(exc: sqlite3.OperationalError) -> bool:
    code: Any = getattr(exc, "sqlite_errorcode", None)
    if isinstance(code, int):
        return code & 0xFF in (SQLITE_BUSY, SQLITE_LOCKED)
    return "locked" in str(exc) or "busy" in str(exc)
