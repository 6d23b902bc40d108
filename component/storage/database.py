"""The storage interface: what repositories may use, whichever database runs underneath.

Repositories own their SQL and reach the database only through ``store.read()`` and
``store.transaction()``, which hand them a ``Conn``. SQL is written once, portable, with ``?``
placeholders; a backend translates it if its driver needs another style. Rows answer both
``row["col"]`` and ``row[0]``. Dialect-specific SQL (e.g. ``FOR UPDATE SKIP LOCKED``) is allowed
inside repositories only, switched on ``conn.dialect``.

Why two context managers: a write transaction takes the write lock up front (``BEGIN
IMMEDIATE`` on SQLite), so a read-then-write sequence cannot be overtaken by another process;
a read is a short consistent snapshot that is closed before the caller goes on, so no reader
ever holds a snapshot open while another process commits (on SQLite that made the next
``BEGIN IMMEDIATE`` fail at once with "database is locked", issue 10 item 10).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from typing import Any, Literal, Protocol

from component.errors import StoreError

Dialect = Literal["sqlite", "postgres"]
Params = Sequence[Any] | Mapping[str, Any]

__all__ = ["Conn", "Cursor", "Database", "Dialect", "Params", "Row", "StoreError"]


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

    def close(self) -> None:
        """Wait for the threads using the database, then close it; safe to call twice."""
