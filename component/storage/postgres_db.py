"""The PostgreSQL backend: several services and workers, on several hosts, share one database.

Chosen by ``XERO_WA_DATABASE_URL=postgresql://…`` and installed with ``pip install
'xero-wa[postgres]'`` (psycopg 3 and its pool). Repositories see the same ``transaction()`` /
``read()`` / ``Conn`` as on SQLite; what differs is kept here:

- **Connections** come from a ``psycopg_pool`` pool; each is checked before use, so one that a
  server restart or an idle timeout killed is replaced instead of failing a transaction.
- **``transaction(immediate=True)``** is SQLite's ``BEGIN IMMEDIATE``: a READ COMMITTED
  transaction that first takes a transaction-level advisory lock for this schema, so every
  repository keeps the single-writer guarantee it was written against (check-then-write code is
  not raced). ``immediate=False`` is a plain READ COMMITTED transaction: only repositories whose
  statements are safe under row locking use it (the queue's ``FOR UPDATE SKIP LOCKED`` claims),
  which is what lets several workers run at once. Advisory locks are transaction-level, never
  session-level, so they work behind PgBouncer's transaction pooling too.
- **``read()``** is a READ ONLY REPEATABLE READ transaction: one snapshot for all its queries.
- **A dropped connection** (server restart, network cut, failover) mid-transaction: the server
  rolls the transaction back, so nothing is half-applied; ``retrying()`` (what ``run()``,
  ``@rerun_on_drop`` repository methods and the group commit use) then runs the whole unit again
  on a fresh connection, unless one of its transactions had already committed. A drop *during*
  COMMIT is ambiguous (the server may have committed before the answer was lost), so it is never
  retried blindly: every write transaction asks for its transaction id just before COMMIT, and
  after a drop a fresh connection asks the server what became of that id
  (``txid_status``): committed (the block ends normally: applied once), aborted (a certain
  rollback: retryable), or, when the server cannot tell within ``VERIFY_SECONDS``, an error that
  says the change may or may not have been stored.
- **Errors** name the URL with its password masked and say what to fix: an unreachable server,
  refused credentials, a missing database, missing privileges (see :func:`explain`).
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from typing import Any, TypeVar
from urllib.parse import quote

from component.storage.database import Dialect
from component.storage.database_url import mask_url, password_of
from component.storage.postgres_errors import DatabaseError, explain, is_disconnect
from component.storage.postgres_signals import (
    Subscription,
    channel_name,
    hold_advisory_lock,
    lock_key,
)
from component.storage.postgres_sql import IntegralNumericLoader, row_factory, translate

T = TypeVar("T")

log = logging.getLogger("xero_wa.storage.postgres")

#: How many times ``retrying`` starts a unit whose connection dropped before it committed.
RUN_ATTEMPTS = 3
#: How long a commit whose answer was lost is checked for on a fresh connection (a server
#: restarting may not answer at once) before it is reported as possibly stored.
VERIFY_SECONDS = 5.0
#: Errors PostgreSQL asks the client to retry: a deadlock victim, a serialization failure.
RETRYABLE_SQLSTATES = frozenset({"40001", "40P01"})


def with_search_path(url: str, schema: str) -> str:
    """``url`` whose sessions use ``schema`` (libpq's ``options=-c search_path=…``)."""
    option = quote(f"-c search_path={schema}", safe="")
    return f"{url}{'&' if '?' in url else '?'}options={option}"


class PgConn:
    """One transaction's connection as repositories see it: portable SQL in, ``Row``s out."""

    dialect: Dialect = "postgres"

    def __init__(self, raw: Any, schema: str) -> None:
        self._raw = raw
        self._schema = schema

    def notify(self, topic: str) -> None:
        """Wake the subscribers of ``topic`` on every host when this transaction commits."""
        self._raw.execute("SELECT pg_notify(%s, '')", (channel_name(self._schema, topic),))

    def execute(self, sql: str, params: Sequence[Any] | Mapping[str, Any] = ()) -> Any:
        named = isinstance(params, Mapping)
        return self._raw.execute(translate(sql, named), params)

    def executemany(self, sql: str, seq: Sequence[Sequence[Any]] | Any) -> Any:
        rows = list(seq)
        named = bool(rows) and isinstance(rows[0], Mapping)
        cursor = self._raw.cursor()
        cursor.executemany(translate(sql, named), rows)
        return cursor


class _ThreadState(threading.local):
    conn: PgConn | None = None
    mode: str = ""  # "read" | "write"
    #: Write transactions committed in this thread's current ``retrying`` unit (None: none runs).
    commits: int | None = None


class PostgresDatabase:
    """A pool of connections to one PostgreSQL database (and schema)."""

    dialect: Dialect = "postgres"
    #: PostgreSQL's own privileges decide what may be written; the store never opens read-only.
    read_only = False

    def __init__(
        self,
        url: str,
        *,
        min_size: int = 1,
        max_size: int = 10,
        connect_timeout: float = 10.0,
        pool_timeout: float = 30.0,
    ) -> None:
        self.url = url
        self.location = mask_url(url)
        self._secret = password_of(url)
        self._connect_timeout = connect_timeout
        self._pool_timeout = pool_timeout
        self._closed = False
        self._users = threading.Condition()
        self._active = 0
        self._local = _ThreadState()
        self._probe()
        from psycopg_pool import ConnectionPool

        self._pool = ConnectionPool(
            url,
            min_size=min_size,
            max_size=max_size,
            kwargs={
                "autocommit": True,
                "row_factory": row_factory,
                "connect_timeout": max(1, int(connect_timeout)),
            },
            configure=_configure,
            check=ConnectionPool.check_connection,
            timeout=pool_timeout,
            open=False,
            name="xero-wa",
        )
        self._pool.open(wait=True, timeout=connect_timeout + 5)
        self._schema = self._current_schema()
        self._write_lock = lock_key(f"xero-wa:write:{self._schema}")

    @classmethod
    def open(cls, url: str, **options: Any) -> PostgresDatabase:
        return cls(url, **options)

    @property
    def closed(self) -> bool:
        return self._closed

    # ------------------------------------------------------------------ transactions
    @contextmanager
    def transaction(self, *, immediate: bool = True) -> Iterator[PgConn]:
        """A READ COMMITTED write transaction; ``immediate`` serialises it with other writers."""
        begin = ("BEGIN", ("SELECT pg_advisory_xact_lock(%s)", (self._write_lock,)))
        with self._session(begin if immediate else ("BEGIN", None)) as conn:
            yield conn

    @contextmanager
    def read(self) -> Iterator[PgConn]:
        """A consistent read: one snapshot for every query inside (READ ONLY, REPEATABLE READ)."""
        with self._session(("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", None)) as conn:
            yield conn

    def run(self, work: Callable[[PgConn], T], *, immediate: bool = True) -> T:
        """``work(conn)`` in one write transaction, run again on a fresh connection when the
        connection dropped before the commit (see ``retrying``). ``work`` must only touch the
        database."""

        def once() -> T:
            with self.transaction(immediate=immediate) as conn:
                return work(conn)

        return self.retrying(once)

    def retrying(self, unit: Callable[[], T]) -> T:
        """``unit()``, called again whole when it failed because the connection dropped (or the
        server chose it as a deadlock victim) before any of its write transactions committed:
        the server rolled the failed one back, so nothing of the unit was applied. Once one of
        its transactions has committed, a later failure is raised as it is (running the unit
        again would apply that one twice). Inside a transaction, or inside another unit, the
        outermost one decides, so this simply calls ``unit()``. ``unit`` must only touch the
        database (and compute): it may run up to ``RUN_ATTEMPTS`` times."""
        state = self._local
        if state.conn is not None or state.commits is not None:
            return unit()
        for attempt in range(1, RUN_ATTEMPTS + 1):
            state.commits = 0
            try:
                return unit()
            except DatabaseError as exc:
                if not exc.retryable or state.commits or attempt == RUN_ATTEMPTS:
                    raise
                log.warning(
                    "%s; nothing of it was stored: running it again (attempt %d of %d)",
                    exc.message,
                    attempt + 1,
                    RUN_ATTEMPTS,
                )
            finally:
                state.commits = None
        raise AssertionError("unreachable")  # pragma: no cover

    @contextmanager
    def _session(self, begin: tuple[str, tuple[str, tuple[Any, ...]] | None]) -> Iterator[PgConn]:
        """A pooled connection in a transaction; a block nested in the same thread joins the
        outer one (it sees its uncommitted writes, and cannot wait for a second connection)."""
        state = self._local
        if state.conn is not None:
            if begin[0] == "BEGIN" and state.mode == "read":
                raise RuntimeError("a write transaction cannot start inside a read()")
            yield state.conn
            return
        with self._users:
            if self._closed:
                raise DatabaseError(
                    f"the database {self.location} is closed", fix="", kind="closed"
                )
            self._active += 1
        statement, lock = begin
        import psycopg
        from psycopg_pool import PoolTimeout

        try:
            with self._pool.connection() as raw:
                committing = False
                writing = "READ ONLY" not in statement
                xid: int | None = None
                conn = PgConn(raw, self._schema)
                state.conn, state.mode = conn, "write" if writing else "read"
                try:
                    raw.execute(statement)
                    if lock is not None:
                        raw.execute(*lock)
                    yield conn
                    if writing:  # what to ask the server about if the COMMIT's answer is lost
                        xid = raw.execute("SELECT txid_current_if_assigned()").fetchone()[0]
                    committing = True
                    raw.execute("COMMIT")
                except psycopg.Error as exc:
                    _rollback_quietly(raw)
                    if not (committing and is_disconnect(exc)):
                        raise self._error(exc) from None
                    outcome = self._outcome(xid)
                    if outcome != "committed":
                        raise self._error(exc, outcome_unknown=outcome == "unknown") from None
                    log.warning(
                        "the connection to %s dropped while committing; the server says the "
                        "transaction committed",
                        self.location,
                    )
                except BaseException:
                    _rollback_quietly(raw)
                    raise
                finally:
                    state.conn, state.mode = None, ""
                if writing and state.commits is not None:
                    state.commits += 1
        except PoolTimeout:
            raise DatabaseError(
                f"no connection to the database {self.location} became free within "
                f"{self._pool_timeout:g} s (all {self._pool.max_size} are busy, or the server "
                "stopped answering)",
                fix="check the server's health and its max_connections",
                kind="unreachable",
                retryable=False,
            ) from None
        except psycopg.Error as exc:  # the pool could not hand out a working connection
            raise self._error(exc) from None
        finally:
            with self._users:
                self._active -= 1
                self._users.notify_all()

    def ping(self, timeout: float) -> None:
        """Connect anew and ask the server for an answer, each within ``timeout`` (libpq waits
        at least 2 s to connect): the pool would wait its 30 s for a server that is gone."""
        import psycopg

        try:
            with psycopg.connect(
                self.url, connect_timeout=max(2, math.ceil(timeout)), autocommit=True
            ) as conn:
                conn.execute(f"SET statement_timeout = {max(1, int(timeout * 1000))}")
                conn.execute("SELECT 1")
        except psycopg.Error as exc:
            raise explain(exc, self.location, self._secret) from None

    def _outcome(self, xid: int | None) -> str:
        """What became of the transaction ``xid`` whose COMMIT lost its answer: ``committed``,
        ``aborted`` or ``unknown`` (the server could not be asked within ``VERIFY_SECONDS``).
        A transaction that wrote nothing has no id: nothing of it can be lost or repeated."""
        if xid is None:
            return "committed"
        import psycopg

        deadline = time.monotonic() + VERIFY_SECONDS
        pause = 0.02
        while True:
            status = None
            with (
                suppress(psycopg.Error),
                psycopg.connect(self.url, connect_timeout=2, autocommit=True) as probe,
            ):
                row = probe.execute("SELECT txid_status(%s)", (xid,)).fetchone()
                status = row[0] if row else None
            if status in ("committed", "aborted"):
                return str(status)
            # "in progress": the server has not finished with the dropped session yet
            if time.monotonic() >= deadline:
                return "unknown"
            time.sleep(pause)
            pause = min(pause * 2, 0.5)

    def _error(self, exc: Exception, *, outcome_unknown: bool = False) -> DatabaseError:
        """The error to raise; ``retryable`` when the transaction certainly did not commit.

        ``outcome_unknown``: the connection dropped during COMMIT and the server could not say
        whether it committed, so the outcome is unknown and it must not be run again blindly."""
        if outcome_unknown:
            return DatabaseError(
                f"the connection to {self.location} dropped while committing: the change may or "
                "may not have been stored",
                fix="check the data it was writing before doing it again",
                kind="unreachable",
            )
        error = explain(exc, self.location, self._secret)
        sqlstate = getattr(exc, "sqlstate", None)
        error.retryable = is_disconnect(exc) or sqlstate in RETRYABLE_SQLSTATES
        return error

    # ------------------------------------------------------------------ lifecycle
    def close(self) -> None:
        """Close the pool once the connections in use are given back; safe to call twice."""
        if self._local.conn is not None:
            raise RuntimeError("close() called inside a read() or transaction()")
        with self._users:
            if self._closed:
                return
            self._closed = True
            while self._active:
                self._users.wait()
        self._pool.close(timeout=self._pool_timeout)

    def _probe(self) -> None:
        """Connect once, directly, so a bad URL fails with its own reason (the pool would only
        say it timed out)."""
        import psycopg

        try:
            conn = psycopg.connect(
                self.url, connect_timeout=max(1, int(self._connect_timeout)), autocommit=True
            )
        except psycopg.Error as exc:
            raise explain(exc, self.location, self._secret) from None
        except Exception as exc:  # a malformed URL is a ProgrammingError or a ValueError
            raise explain(exc, self.location, self._secret) from None
        conn.close()

    def _current_schema(self) -> str:
        """The schema the tables live in: locks and channels are per schema, so deployments
        sharing a database in different schemas neither wait for nor wake each other."""
        with self._pool.connection() as raw:
            return str(raw.execute("SELECT current_schema()").fetchone()[0] or "public")

    # ------------------------------------------------------------------ across processes
    def subscribe(self, topic: str, callback: Callable[[], None]) -> _Subscribed:
        """Call ``callback`` (in a listener thread) whenever a transaction notifies ``topic``."""
        channel = channel_name(self._schema, topic)
        return _Subscribed(self, Subscription(self.url, channel, callback), channel)

    def hold_lock(self, name: str, wait_seconds: float) -> HeldLock:
        """Take the transaction-level advisory lock ``name`` (every host sees it), waiting at
        most ``wait_seconds`` (then ``TimeoutError``); ``release()`` ends its transaction."""
        import psycopg

        raw = self._pool.getconn(timeout=self._pool_timeout)
        try:
            hold_advisory_lock(raw, lock_key(f"{self._schema}:{name}"), wait_seconds)
        except psycopg.errors.LockNotAvailable:
            _rollback_quietly(raw)
            self._pool.putconn(raw)
            raise TimeoutError(name) from None
        except psycopg.Error as exc:
            _rollback_quietly(raw)
            self._pool.putconn(raw)
            raise self._error(exc) from None
        return HeldLock(self._pool, raw)


class HeldLock:
    """An advisory lock held by an open transaction on one pooled connection."""

    def __init__(self, pool: Any, raw: Any) -> None:
        self._pool = pool
        self._raw: Any = raw

    def release(self) -> None:
        raw, self._raw = self._raw, None
        if raw is not None:
            _rollback_quietly(raw)  # nothing was written in it: ending it releases the lock
            self._pool.putconn(raw)


class _Subscribed:
    def __init__(self, db: PostgresDatabase, subscription: Subscription, channel: str) -> None:
        self._db = db
        self._subscription = subscription
        self._channel = channel

    def close(self) -> None:
        self._subscription.close(wake=self._wake)

    def _wake(self) -> None:
        with self._db._pool.connection() as raw:
            raw.execute("SELECT pg_notify(%s, 'stop')", (self._channel,))


def open_postgres(url: str) -> PostgresDatabase:
    """The store's database at ``url`` (``XERO_WA_DATABASE_URL``): the seam ``Store.open`` uses."""
    return PostgresDatabase.open(url)


def _configure(conn: Any) -> None:
    """Per-connection set-up: integral ``numeric`` aggregates load as int, like SQLite."""
    conn.adapters.register_loader("numeric", IntegralNumericLoader)


def _rollback_quietly(raw: Any) -> None:
    """Roll back unless the connection is already gone (the server rolled back for us)."""
    if raw.closed or raw.broken:
        return
    with suppress(Exception):  # the connection died meanwhile: the pool discards it
        raw.execute("ROLLBACK")
