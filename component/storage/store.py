"""The SQLite store: one file in ``XERO_WA_HOME``, WAL mode, mode 0600.

It holds connections and token sets, the webhook event queue, the reminder outbox, message
statuses and small caches. Repositories (``store.connections``, ...) each own their tables and
use ``store.transaction()``; ``BEGIN IMMEDIATE`` takes the write lock up front, which is what
makes token refresh single-flight across processes. Keep SQL inside repositories so another
database can replace SQLite behind the same methods.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from component.storage.accounts import AccountsRepo
from component.storage.activity import ActivityQueries
from component.storage.connections import ConnectionsRepo
from component.storage.eligibility import EligibilityRepo
from component.storage.events import EventsRepo
from component.storage.invoice_facts import InvoiceFactsRepo
from component.storage.messages import MessagesRepo
from component.storage.optouts import OptOutsRepo
from component.storage.organisations import OrganisationsRepo
from component.storage.outbox import OutboxRepo
from component.storage.paylinks import PayLinksRepo
from component.storage.poll_state import PollStateRepo
from component.storage.reminder_cache import CandidatesRepo, ContactsCacheRepo
from component.storage.replies import RepliesRepo
from component.storage.runs import RunsRepo
from component.storage.schedule import ScheduleRepo
from component.storage.schema import MIGRATIONS
from component.storage.wa_identities import IdentitiesRepo
from component.storage.web_sessions import WebSessionsRepo

BUSY_TIMEOUT_MS = 30_000


class Store:
    def __init__(self, conn: sqlite3.Connection, path: Path) -> None:
        self.conn = conn
        self.path = path
        self._lock = threading.RLock()
        self.connections = ConnectionsRepo(self)
        self.outbox = OutboxRepo(self)
        self.events = EventsRepo(self)
        self.optouts = OptOutsRepo(self)
        self.paylinks = PayLinksRepo(self)
        self.contacts_cache = ContactsCacheRepo(self)
        self.candidates = CandidatesRepo(self)
        self.messages = MessagesRepo(self)
        self.organisations = OrganisationsRepo(self)
        self.schedule = ScheduleRepo(self)
        self.runs = RunsRepo(self)
        self.invoice_facts = InvoiceFactsRepo(self)
        self.activity = ActivityQueries(self)
        self.accounts = AccountsRepo(self)
        self.web_sessions = WebSessionsRepo(self)
        self.identities = IdentitiesRepo(self)
        self.replies = RepliesRepo(self)
        self.poll_state = PollStateRepo(self)
        self.eligibility = EligibilityRepo(self)

    @classmethod
    def open(cls, path: Path) -> Store:
        """Open (creating with mode 0600 if needed) and migrate the store at ``path``."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        if not path.exists():
            fd = os.open(path, os.O_CREAT | os.O_WRONLY, 0o600)
            os.close(fd)
        os.chmod(path, 0o600)
        conn = sqlite3.connect(
            path, isolation_level=None, timeout=BUSY_TIMEOUT_MS / 1000, check_same_thread=False
        )
        conn.row_factory = sqlite3.Row
        conn.execute("PRAGMA journal_mode=WAL")
        # FULL: a commit survives power loss too, not only a killed process. The outbox's
        # "sending" mark and the webhook queue's rows must never roll back after the fact
        # (that would mean a duplicate WhatsApp message or a lost event); it costs ~0.2 ms a commit.
        conn.execute("PRAGMA synchronous=FULL")
        conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        conn.execute("PRAGMA foreign_keys=ON")
        store = cls(conn, path)
        store._migrate()
        for suffix in ("-wal", "-shm"):
            side = Path(f"{path}{suffix}")
            if side.exists():
                os.chmod(side, 0o600)
        return store

    @contextmanager
    def transaction(self, *, immediate: bool = True) -> Iterator[sqlite3.Connection]:
        """A transaction; ``immediate`` takes the database write lock at BEGIN."""
        with self._lock:
            self.conn.execute("BEGIN IMMEDIATE" if immediate else "BEGIN")
            try:
                yield self.conn
            except BaseException:
                self.conn.execute("ROLLBACK")
                raise
            self.conn.execute("COMMIT")

    def _migrate(self) -> None:
        with self.transaction() as conn:
            conn.execute("CREATE TABLE IF NOT EXISTS _migrations (id TEXT PRIMARY KEY)")
            done = {row["id"] for row in conn.execute("SELECT id FROM _migrations")}
            for migration_id, sql in MIGRATIONS:
                if migration_id in done:
                    continue
                for statement in _statements(sql):
                    conn.execute(statement)
                conn.execute("INSERT INTO _migrations (id) VALUES (?)", (migration_id,))

    def close(self) -> None:
        """Close once no thread is inside a transaction: closing a connection another thread is
        using crashes the interpreter (sqlite3 is not safe against that), it does not raise."""
        with self._lock:
            self.conn.close()


def _statements(sql: str) -> list[str]:
    """Split a migration into statements; ``;`` inside comments or strings does not split."""
    statements, current = [], ""
    for piece in sql.split(";"):
        current += piece + ";"
        if sqlite3.complete_statement(current):
            if current.strip(" \n\t;"):
                statements.append(current)
            current = ""
    if current.strip(" \n\t;"):
        statements.append(current)
    return statements
