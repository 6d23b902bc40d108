"""Portable SQL → what psycopg sends to PostgreSQL, and the rows it gives back.

Repositories write SQL once, for both backends, with SQLite's ``?`` (or ``:name``) placeholders.
psycopg uses ``%s`` / ``%(name)s`` and treats every other ``%`` as the start of a placeholder, so
the translation turns ``?`` into ``%s`` outside string literals, quoted identifiers and comments
(a ``'?'`` in a literal stays a question mark), and doubles every ``%`` (a ``LIKE 'a%'`` keeps its
wildcard). Translations are cached: repositories reuse a handful of statements.

Rows answer ``row["col"]`` and ``row[0]`` like ``sqlite3.Row`` (names case-insensitively, because
PostgreSQL folds unquoted aliases to lower case), and PostgreSQL's ``numeric`` results of
``SUM``/``AVG`` over integers come back as ``int``/``float`` as SQLite gives them, not ``Decimal``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from functools import lru_cache
from typing import Any

from psycopg.adapt import Loader

_TOKENS = re.compile(
    r"""
      '(?:[^']|'')*'            # a string literal ('' is a quote inside it)
    | "(?:[^"]|"")*"            # a quoted identifier
    | --[^\n]*                  # a line comment
    | /\*.*?\*/                 # a block comment
    | (?P<mark>\?)              # a positional placeholder
    | (?P<pct>%)                # a percent sign psycopg would read as a placeholder
    | (?<![:\w]):(?P<name>[A-Za-z_]\w*)   # a named placeholder (not a ::cast)
    """,
    re.VERBOSE | re.DOTALL,
)


@lru_cache(maxsize=2048)
def translate(sql: str, named: bool = False) -> str:
    """``?`` → ``%s`` (``:name`` → ``%(name)s`` when ``named``), ``%`` → ``%%``, outside literals."""

    def replace(match: re.Match[str]) -> str:
        if match.group("mark"):
            return "%s"
        if match.group("pct"):
            return "%%"
        name = match.group("name")
        if name is not None:
            return f"%({name})s" if named else match.group(0)
        # literals, identifiers and comments pass through, their % doubled for psycopg
        return match.group(0).replace("%", "%%")

    return _TOKENS.sub(replace, sql)


class Row:
    """One result row: ``row["name"]`` (any case), ``row[0]``, iteration, ``keys()``, ``len``."""

    __slots__ = ("_index", "_values")

    def __init__(self, index: dict[str, int], values: Sequence[Any]) -> None:
        self._index = index
        self._values = values

    def __getitem__(self, key: int | str | slice) -> Any:
        if isinstance(key, str):
            try:
                return self._values[self._index[key]]
            except KeyError:
                folded = key.lower()
                if folded in self._index:
                    return self._values[self._index[folded]]
                raise IndexError(f"no column named {key!r}") from None
        return self._values[key]

    def keys(self) -> list[str]:
        return [name for name, _ in sorted(self._index.items(), key=lambda kv: kv[1]) if name]

    def __iter__(self) -> Iterator[Any]:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Row):
            return self.keys() == other.keys() and tuple(self) == tuple(other)
        return NotImplemented

    def __hash__(self) -> int:
        return hash(tuple(self._values))

    def __repr__(self) -> str:
        return f"Row({dict(zip(self.keys(), self._values, strict=False))!r})"


def row_factory(cursor: Any) -> Any:
    """psycopg row factory building :class:`Row` objects sharing one name index per result."""
    description = cursor.description
    if description is None:
        return tuple
    index: dict[str, int] = {}
    for position, column in enumerate(description):
        index.setdefault(column.name, position)
    for name, position in list(index.items()):
        index.setdefault(name.lower(), position)

    def make(values: Sequence[Any]) -> Row:
        return Row(index, values)

    return make


class IntegralNumericLoader(Loader):
    """``numeric`` as SQLite answers it: ``SUM`` of integers is an int, ``AVG`` a float.

    The schema stores no ``numeric`` columns (amounts are exact decimal text), so the only
    numerics are aggregates over integer columns.
    """

    def load(self, data: Any) -> int | float:
        text = bytes(data).decode("ascii")
        if "." in text or "e" in text.lower() or text in ("NaN", "Infinity", "-Infinity"):
            return float(text)
        return int(text)


_DDL = re.compile(
    r"""
      '(?:[^']|'')*' | "(?:[^"]|"")*" | --[^\n]* | /\*.*?\*/          # left as they are
    | (?P<serial>\bINTEGER\s+PRIMARY\s+KEY(?:\s+AUTOINCREMENT)?\b)
    | (?P<integer>\bINTEGER\b)
    | (?P<blob>\bBLOB\b)
    | (?P<text>\bTEXT\b)
    """,
    re.VERBOSE | re.DOTALL,
)


def postgres_ddl(sql: str) -> str:
    """A portable (SQLite) migration as PostgreSQL DDL, meaning the same thing.

    - ``INTEGER PRIMARY KEY [AUTOINCREMENT]`` (SQLite's rowid: numbered when not given) becomes a
      ``BIGINT`` identity, also numbered when not given;
    - ``INTEGER`` becomes ``BIGINT``: SQLite's integers are 64-bit (epoch milliseconds fit);
    - ``BLOB`` becomes ``BYTEA``;
    - ``TEXT`` (the type, in upper case: a column named ``text`` keeps its name) compares byte
      by byte (``COLLATE "C"``), as SQLite's BINARY collation does: timestamps stored as text
      sort the same, and ``lower()`` folds ASCII only, as on SQLite, whatever locale the
      database was created with.
    """

    def replace(match: re.Match[str]) -> str:
        if match.group("serial"):
            return "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY"
        if match.group("integer"):
            return "BIGINT"
        if match.group("blob"):
            return "BYTEA"
        if match.group("text"):
            return 'TEXT COLLATE "C"'
        return match.group(0)

    return _DDL.sub(replace, sql)
