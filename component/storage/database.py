"""The storage interface: what repositories may use, whichever database runs underneath.

Repositories own their SQL and reach the database only through ``store.read()`` and
``store.transaction()``, which hand them a ``Conn``. SQL is written once, portable, with ``?``
placeholders; a backend translates it if its driver needs another style. Rows answer both
``row["col"]`` and ``row[0]``. Dialect-specific SQL (e.g. ``FOR UPDATE SKIP LOCKED``) is allowed
inside repositories only, switched on ``conn.dialect``.

A repository method whose work is only database work (one transaction, or several) is marked
``@rerun_on_drop``: on PostgreSQL, when the connection drops before its transaction commits
(the server then rolled it back, so nothing of it was applied), the whole method runs again on a
fresh connection; once one of its transactions has committed it is never run again. A drop
*during* COMMIT is settled by asking the server (``component.storage.postgres_db``), never by a
blind retry. ``store.write(fn)`` is the same for a function given its ``Conn``.

Why two context managers: a write transaction takes the write lock up front (``BEGIN
IMMEDIATE`` on SQLite), so a read-then-write sequence cannot be overtaken by another process;
a read is a short consistent snapshot that is closed before the caller goes on, so no reader
ever holds a snapshot open while another process commits (on SQLite that made the next
``BEGIN IMMEDIATE`` fail at once with "database is locked", issue 10 item 10).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Any, Concatenate, Literal, ParamSpec, Protocol, TypeVar

from component.errors import StoreError

Dialect = Literal["sqlite", "postgres"]
Params = Sequence[Any] | Mapping[str, Any]

if TYPE_CHECKING:
    from component.storage.store import Store

__all__ = [
    "Conn",
    "Cursor",
    "Database",
    "Dialect",
    "Params",
    "Row",
    "StoreError",
    "rerun_on_drop",
]

T = TypeVar("T")
P = ParamSpec("P")


class Row(Protocol):
    def __getitem__(self, key: int | str) -> Any: ...

    def keys(self) -> list[str]: ...


class Cursor(Protocol):
    @property
    def rowcount(self) -> int: ...

    def fetchone(self) -> Any: ...

    def fetchall(self) -> list[Any]: ...

    def __iter__(self) -> Iterator[Any]: ...


class Conn(Protocol):
    """A connection inside one transaction or read; never kept past its ``with`` block."""

    @property
    def dialect(self) -> Dialect: ...

    def execute(self, sql: str, params: Params = (), /) -> Cursor: ...

    def executemany(self, sql: str, seq: Any, /) -> Cursor: ...


class Database(Protocol):
    """One backend (SQLite file or PostgreSQL server) behind the store."""

    dialect: Dialect
    #: The file path, or the URL with its password masked: used in messages.
    location: str
    #: True when the store was opened read-only: every write fails with a ``StoreError``.
    read_only: bool

    def transaction(self, *, immediate: bool = True) -> AbstractContextManager[Conn]:
        """A write transaction, committed when the block ends and rolled back on error."""

    def read(self) -> AbstractContextManager[Conn]:
        """A short consistent read; the caller fetches everything it needs inside the block."""

    def run(self, work: Callable[[Any], T], *, immediate: bool = True) -> T:
        """``work(conn)`` in one write transaction, run again whole (PostgreSQL) when the
        connection dropped before it committed."""

    def retrying(self, unit: Callable[[], T]) -> T:
        """``unit()`` (database work only), run again whole (PostgreSQL) when it failed because
        the connection dropped before any of its write transactions committed."""

    def close(self) -> None:
        """Wait for the threads using the database, then close it; safe to call twice."""


class _Repository(Protocol):
    _store: Store


R = TypeVar("R", bound=_Repository)


def rerun_on_drop(method: Callable[Concatenate[R, P], T]) -> Callable[Concatenate[R, P], T]:
    """Mark a repository method as one unit of database work that may run again whole: on
    PostgreSQL a connection that drops before its transaction commits then costs a retry, not
    an error (see ``Database.retrying``). Only for methods whose effects are all in the
    database: whatever else they did would be done twice."""

    @functools.wraps(method)
    def whole(self: R, /, *args: P.args, **kwargs: P.kwargs) -> T:
        return self._store.db.retrying(lambda: method(self, *args, **kwargs))

    return whole
