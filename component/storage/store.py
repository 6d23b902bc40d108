"""The store: connections and token sets, the webhook event queue, the reminder outbox, message
statuses and small caches, behind one storage interface (``component.storage.database``).

Repositories (``store.connections``, ...) each own their tables and SQL, and reach the database
only through ``store.read()`` (a short consistent read) and ``store.transaction()`` (a write
transaction that takes the write lock up front, which is what makes token refresh single-flight
across processes). ``Store.open`` picks the backend: ``XERO_WA_DATABASE_URL=postgresql://…``
selects PostgreSQL, otherwise the SQLite file in the data home. Nothing above this package knows
which backend runs.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, TypeVar

from component.clock import SYSTEM_CLOCK, Clock
from component.storage import migrations
from component.storage.accounts import AccountsRepo
from component.storage.activity import ActivityQueries
from component.storage.connections import ConnectionsRepo
from component.storage.database import Conn, Database, Params, StoreError
from component.storage.eligibility import EligibilityRepo
from component.storage.events import EventsRepo
from component.storage.invoice_facts import InvoiceFactsRepo
from component.storage.messages import MessagesRepo
from component.storage.optouts import OptOutsRepo
from component.storage.organisations import OrganisationsRepo
from component.storage.outbox import OutboxRepo
from component.storage.paylinks import PayLinksRepo
from component.storage.poll_state import PollStateRepo
from component.storage.rate_ledger import RateLedger
from component.storage.reminder_cache import CandidatesRepo, ContactsCacheRepo
from component.storage.replies import RepliesRepo
from component.storage.runs import RunsRepo
from component.storage.schedule import ScheduleRepo
from component.storage.wa_identities import IdentitiesRepo
from component.storage.web_sessions import WebSessionsRepo

if TYPE_CHECKING:
    from component.config import Settings

Policy = Literal["auto", "current", "none"]
T = TypeVar("T")


class Store:
    def __init__(self, db: Database) -> None:
        self.db = db
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
        self.rate_ledger = RateLedger(self)

    @property
    def dialect(self) -> str:
        return self.db.dialect

    @property
    def location(self) -> str:
        """The file, or the URL with its password masked (for messages)."""
        return self.db.location

    @property
    def path(self) -> Path:
        """The SQLite file (only meaningful on SQLite)."""
        return Path(self.db.location)

    @property
    def read_only(self) -> bool:
        return self.db.read_only

    @classmethod
    def open(
        cls, target: Settings | Path | str, *, policy: Policy = "auto", clock: Clock | None = None
    ) -> Store:
        """Open the store ``target`` names (settings, or an SQLite file path).

        ``policy`` says what to do when the store is older than this code: ``"auto"`` (CLI
        commands) backs it up and applies the pending migrations when every one is marked
        automatic, else refuses naming ``xero-wa db upgrade``; ``"current"`` (``serve``,
        ``worker``) refuses any difference; ``"none"`` (``db status``, ``doctor``) changes
        nothing. A store written by newer code is always refused. An automatic upgrade's
        backup is named from ``clock`` (the runtime's; the system clock when not given).
        """
        from component.storage.opening import open_database

        db = open_database(target)
        store = cls(db)
        try:
            current = migrations.status(db)
            migrations.refuse_unknown(current, db.location)
            if current.pending and policy != "none":
                store._upgrade_or_refuse(current, policy, (clock or SYSTEM_CLOCK).now())
        except BaseException:
            db.close()
            raise
        return store

    def _upgrade_or_refuse(
        self, current: migrations.SchemaStatus, policy: Policy, now: datetime
    ) -> None:
        behind = (
            f"the store {self.location} is at schema version {current.version}; this xero-wa "
            f"needs version {current.code_version}"
        )
        if policy == "current":
            raise StoreError(
                f"{behind}: run `xero-wa db upgrade` (it backs the store up first), then start "
                "again"
            )
        if self.read_only:
            raise StoreError(
                f"{behind}, and the store is read-only for this user: make it writable, then run "
                "`xero-wa db upgrade`"
            )
        if not current.automatic:
            manual = ", ".join(m.id for m in current.pending if not m.automatic)
            raise StoreError(
                f"{behind}; the change {manual} is not applied automatically: run "
                "`xero-wa db upgrade` (it backs the store up first)"
            )
        self.upgrade(now)

    def upgrade(self, now: datetime) -> tuple[Path | None, list[str]]:
        """Back the store up (SQLite, when it holds data) and apply every pending migration:
        (the backup's path, the applied ids)."""
        current = migrations.status(self.db)
        migrations.refuse_unknown(current, self.location)
        if not current.pending:
            return None, []
        if self.read_only:
            raise StoreError(
                f"the store {self.location} is read-only for this user; make the file and its "
                "folder writable, then run `xero-wa db upgrade` again"
            )
        saved = None
        if self.dialect == "sqlite" and current.version > 0:
            from component.storage.backups import backup

            saved = backup(self.path, now)
        return saved, migrations.upgrade(self.db)

    def schema(self) -> migrations.SchemaStatus:
        """The store's schema version against this code's."""
        return migrations.status(self.db)

    def transaction(self, *, immediate: bool = True) -> AbstractContextManager[Conn]:
        """A write transaction; ``immediate`` takes the database write lock at BEGIN. The
        database's own block, not one wrapped around it: every write enters several."""
        return self.db.transaction(immediate=immediate)

    def write(self, work: Callable[[Conn], T], *, immediate: bool = True) -> T:
        """``work(conn)`` in a write transaction; on PostgreSQL it runs again whole on a fresh
        connection when the connection dropped before the commit (``work`` must only touch the
        database). Repository methods get the same with ``@rerun_on_drop``."""
        return self.db.run(work, immediate=immediate)

    def read(self) -> AbstractContextManager[Conn]:
        """A short consistent read: fetch every row you need inside the block."""
        return self.db.read()

    def fetchone(self, sql: str, params: Params = ()) -> Any:
        """One row of a query run in its own short read (or the caller's read/transaction),
        asked again on a fresh connection if the connection dropped."""
        return self.db.retrying(lambda: self._fetch(sql, params, one=True))

    def fetchall(self, sql: str, params: Params = ()) -> list[Any]:
        """Every row of a query run in its own short read (or the caller's read/transaction),
        asked again on a fresh connection if the connection dropped."""
        rows: list[Any] = self.db.retrying(lambda: self._fetch(sql, params, one=False))
        return rows

    def _fetch(self, sql: str, params: Params, *, one: bool) -> Any:
        with self.db.read() as conn:
            cursor = conn.execute(sql, params)
            return cursor.fetchone() if one else list(cursor.fetchall())

    def ping(self, timeout: float) -> None:
        """Reach the database now within about ``timeout`` seconds, or raise a ``StoreError``."""
        self.db.ping(timeout)

    def close(self) -> None:
        """Close once no thread is inside a read or transaction; safe to call twice."""
        self.db.close()


__all__ = ["Store", "StoreError"]
