"""Every SQLite connection a test opens is closed by the end of that test.

Python 3.13 warns (an error here: warnings are errors) when a connection is garbage collected
while still open, but only when the collector happens to run, so the failure lands on whichever
later test triggers it, and Python 3.11 says nothing at all. Tracking each connection opened
during a test and checking it at teardown makes a leak fail on every supported Python, on the
test that caused it, with the line that opened it.
"""

from __future__ import annotations

import sqlite3
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Opened:
    conn: sqlite3.Connection
    where: list[str]


@dataclass
class SqliteGuard:
    original: Callable[..., sqlite3.Connection]
    opened: list[Opened] = field(default_factory=list)

    def connect(self, *args: Any, **kwargs: Any) -> sqlite3.Connection:
        conn = self.original(*args, **kwargs)
        stack = traceback.extract_stack(limit=12)[:-1]
        where = [
            f"{f.filename}:{f.lineno} {f.name}" for f in stack if "site-packages" not in f.filename
        ]
        self.opened.append(Opened(conn, where))
        return conn

    def still_open(self) -> list[Opened]:
        return [o for o in self.opened if is_open(o.conn)]


def is_open(conn: sqlite3.Connection) -> bool:
    try:
        conn.in_transaction  # noqa: B018 - raises ProgrammingError once closed
    except sqlite3.ProgrammingError:
        return False
    return True


def describe(leaks: list[Opened]) -> str:
    lines = [f"{len(leaks)} SQLite connection(s) left open; opened at:"]
    for leak in leaks:
        lines += ["  ---", *(f"  {w}" for w in leak.where[-6:])]
    return "\n".join(lines)
