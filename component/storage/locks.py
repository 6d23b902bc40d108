"""The cross-process refresh mutex: one lock per connection, held across the token request.

Why not hold ``BEGIN IMMEDIATE`` on the store itself across the request (the obvious design)?
Because the token request takes a network round trip, and for that whole time every other writer
of the store would wait; a writer on the event loop thread (webhook queue, outbox) would block
the loop, so the token response could not even be read, and the wait would end only when
SQLite's busy timeout failed that writer. So the lock lives in a tiny per-connection SQLite file
beside the store (``locks/refresh-<hash>.lock``): ``BEGIN IMMEDIATE`` on it is the same
OS-level lock SQLite uses for the store, it is released by the OS if the process dies, and it
blocks nobody but other refreshers of the same connection. The store's own transactions stay a
few milliseconds long. On PostgreSQL the lock is ``pg_advisory_xact_lock`` instead
(:class:`AdvisoryRefreshMutex`), which every host sharing the database sees.

Waiting for the lock happens in a worker thread so the event loop keeps running.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import sqlite3
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

from component import errors

if TYPE_CHECKING:
    from component.storage.store import Store


def lock_path(home: Path, name: str) -> Path:
    digest = hashlib.sha256(name.encode("utf-8")).hexdigest()[:24]
    return home / "locks" / f"refresh-{digest}.lock"


def _acquire(path: Path, wait_seconds: float) -> sqlite3.Connection:
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    if not path.exists():
        os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))
    conn = sqlite3.connect(
        path, timeout=wait_seconds, isolation_level=None, check_same_thread=False
    )
    try:
        conn.execute("BEGIN IMMEDIATE")
    except BaseException:
        conn.close()
        raise
    return conn


def _release(conn: sqlite3.Connection) -> None:
    try:
        conn.execute("ROLLBACK")
    finally:
        conn.close()


class RefreshMutex:
    """``async with RefreshMutex(home, name, wait)``: only one process refreshes ``name``."""

    def __init__(self, home: Path, name: str, wait_seconds: float) -> None:
        self.path = lock_path(home, name)
        self.name = name
        self.wait_seconds = wait_seconds
        self._conn: sqlite3.Connection | None = None

    async def __aenter__(self) -> RefreshMutex:
        task = asyncio.ensure_future(asyncio.to_thread(_acquire, self.path, self.wait_seconds))
        try:
            self._conn = await asyncio.shield(task)
        except asyncio.CancelledError:
            # The thread may still get the lock after we stop waiting: release it when it does.
            task.add_done_callback(_release_if_acquired)
            raise
        except sqlite3.OperationalError as exc:
            raise _waited_too_long(self.name, self.wait_seconds, f" ({exc})") from None
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            _release(conn)


def _waited_too_long(name: str, wait_seconds: float, detail: str = "") -> errors.ConnectionError:
    """The one wording, on either backend, for a refresh another process holds too long."""
    return errors.ConnectionError(
        f"waited {wait_seconds:g} s for another process to finish refreshing the "
        f"tokens of connection {name!r}{detail}",
        reconnect="run the command again; if it keeps happening, look for a hung xero-wa process",
    )


def _release_if_acquired(task: asyncio.Future[sqlite3.Connection]) -> None:
    if not task.cancelled() and task.exception() is None:
        _release(task.result())


def forget(home: Path, name: str) -> None:
    """Remove the lock file of a connection that no longer exists."""
    lock_path(home, name).unlink(missing_ok=True)


class AdvisoryRefreshMutex:
    """The refresh mutex on PostgreSQL: a transaction-level advisory lock, across hosts.

    The lock is held by a transaction kept open on its own pooled connection for as long as the
    refresh takes, and released with it (or by the server if the process dies: the connection
    goes, and the transaction with it). Transaction-level, never session-level, so it is safe
    behind PgBouncer's transaction pooling. The token rows themselves are written in their own
    short transactions meanwhile, exactly as on SQLite.
    """

    def __init__(self, db: Any, name: str, wait_seconds: float) -> None:
        self._db = db
        self.name = name
        self.wait_seconds = wait_seconds
        self._held: Any = None

    async def __aenter__(self) -> AdvisoryRefreshMutex:
        task = asyncio.ensure_future(
            asyncio.to_thread(self._db.hold_lock, f"refresh:{self.name}", self.wait_seconds)
        )
        try:
            self._held = await asyncio.shield(task)
        except asyncio.CancelledError:
            task.add_done_callback(_release_held_if_acquired)
            raise
        except TimeoutError:
            raise _waited_too_long(self.name, self.wait_seconds) from None
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        held, self._held = self._held, None
        if held is not None:
            await asyncio.to_thread(held.release)


def _release_held_if_acquired(task: asyncio.Future[Any]) -> None:
    if not task.cancelled() and task.exception() is None:
        task.result().release()


def refresh_mutex(
    store: Store, home: Path, name: str, wait_seconds: float
) -> RefreshMutex | AdvisoryRefreshMutex:
    """The mutex that makes refreshing ``name`` single-flight across every process sharing the
    store: a lock file beside an SQLite store (one host), an advisory lock on PostgreSQL."""
    if store.dialect == "postgres":
        return AdvisoryRefreshMutex(store.db, name, wait_seconds)
    return RefreshMutex(home, name, wait_seconds)
