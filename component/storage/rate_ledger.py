"""The rate ledger: Xero's call limits and WhatsApp's send schedule, shared by every process.

Xero counts one organisation's calls together, whichever process or host makes them, and so does
Meta for one business number's sends; a limiter per process multiplies the limits by the number
of processes. This repository keeps what the limiters (``component.xero.limiter``,
``component.whatsapp.pacer``) must agree on in the store, so every ``serve``, ``worker`` and
``remind`` on one SQLite file or one PostgreSQL database shares them.

- ``rate_scopes``: one row per scope (``xero:<tenant>``, ``xero-app``, ``whatsapp:<number>``):
  a pause (Xero's 429 minute/appminute, Meta's 130429), Xero's day block, and WhatsApp's
  ``next_slot`` with who claimed slots last (``claimant``, ``claimed_at``) and until when
  several processes send from the number (``shared_until``: the shared pace, see
  ``claim_slots``). Each pause and block keeps its length beside its end, so a reader whose
  clock runs behind the writer's never waits longer than the pause asked for.
- ``rate_grants``: one row per Xero call admitted (and "filler" rows when Xero's
  ``X-*Limit-Remaining`` says fewer calls are left than we counted: they fill the minute window,
  never the day's count). Rows older than a day are pruned by the admissions.
- ``rate_leases``: one row per Xero call in flight, with an expiry: a process killed mid-call
  frees its slot when the lease lapses, without anyone cleaning up after it.

Every decision is one short transaction: admit a call (or say how long to wait), end one (and
apply what Xero's answer said), claim a block of WhatsApp send slots. On SQLite a write
transaction is exclusive already; on PostgreSQL the transaction locks the scope's row
(``SELECT … FOR UPDATE``; every Xero admission locks the app's row, which also serialises the
app-wide count), so it does not wait for the store-wide write lock other repositories take.

Time is the callers' Clock's wall time (``clock.now()``), stored as integer microseconds since
the epoch: hosts sharing a database need synchronised clocks (NTP). A clock far off is contained:
grants more than a minute in the future are not counted, pauses never last longer than asked, a
schedule far ahead is restarted.
"""

from __future__ import annotations

import logging
import uuid
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from component.storage.database import Conn, StoreError
from component.storage.migrations import Migration
from component.storage.rate_calls import Admission, CallFeedback, CallLimits

if TYPE_CHECKING:
    from component.runtime import Runtime
    from component.storage.store import Store

log = logging.getLogger("xero_wa.storage")

MIGRATION = Migration(
    "2200_rate_ledger",
    """
    CREATE TABLE rate_scopes (
        scope         TEXT PRIMARY KEY,   -- xero:<tenant> | xero-app | whatsapp:<number id>
        paused_until  INTEGER NOT NULL DEFAULT 0,  -- µs since the epoch: nobody calls before
        pause_us      INTEGER NOT NULL DEFAULT 0,  -- that pause's length (bounds clock skew)
        blocked_until INTEGER NOT NULL DEFAULT 0,  -- Xero's day limit: calls fail until then
        block_us      INTEGER NOT NULL DEFAULT 0,
        next_slot     INTEGER,                     -- WhatsApp: the next free send slot (µs)
        updated_at    INTEGER NOT NULL
    );
    CREATE TABLE rate_grants (
        -- one row per Xero call admitted, or filler steered by Xero's Remaining headers
        scope  TEXT NOT NULL,              -- the tenant's scope, or the app's for app fillers
        app    TEXT NOT NULL,              -- the app scope it counts against ('' if none)
        filler INTEGER NOT NULL DEFAULT 0, -- 1: fills the minute window, not the day's count
        at     INTEGER NOT NULL            -- µs since the epoch
    );
    CREATE INDEX rate_grants_scope_at ON rate_grants (scope, at);
    CREATE INDEX rate_grants_app_at ON rate_grants (app, at);
    CREATE INDEX rate_grants_at ON rate_grants (at);
    CREATE TABLE rate_leases (
        -- one row per Xero call in flight; a lapsed lease is a call whose process died
        id         TEXT PRIMARY KEY,
        scope      TEXT NOT NULL,
        expires_at INTEGER NOT NULL
    );
    CREATE INDEX rate_leases_scope ON rate_leases (scope, expires_at)
    """,
)

#: Whether more than one process sends from a WhatsApp number (see ``claim_slots``).
SHARING_MIGRATION = Migration(
    "2210_whatsapp_sharing",
    """
    -- the process that claimed the number's slots last, and when
    ALTER TABLE rate_scopes ADD COLUMN claimant TEXT;
    ALTER TABLE rate_scopes ADD COLUMN claimed_at INTEGER NOT NULL DEFAULT 0;
    -- µs since the epoch: until then several processes send (the shared pace)
    ALTER TABLE rate_scopes ADD COLUMN shared_until INTEGER NOT NULL DEFAULT 0
    """,
)

US = 1_000_000
MINUTE_US = 60 * US
DAY_US = 86_400 * US
#: How soon a caller refused for concurrency asks again (a lease ends when its call does).
CONCURRENT_POLL_SECONDS = 0.05
#: A WhatsApp schedule further ahead than this was written by a clock far off: restart it.
MAX_SCHEDULE_AHEAD_US = 30 * US
#: Another process claimed the number's slots within this long of the last claimant's claim (or
#: of the end of the slots it claimed): the number is shared.
OVERLAP_SECONDS = 5.0
#: How long a number stays shared after two processes were seen claiming: longer than
#: ``OVERLAP_SECONDS``, so two processes claiming now and then keep it shared throughout.
SHARED_HOLD_SECONDS = 10.0
#: The app scope every Xero tenant's calls count against (one Xero app per deployment).
XERO_APP = "xero-app"


def ledger_for(runtime: Runtime, what: str) -> RateLedger | None:
    """The store's ledger, so every process on the store shares ``what`` (a limit); None (the
    limit stays this process's own) without a store, or with one this process cannot write."""
    if not runtime.has_store:
        return None
    try:
        store = runtime.store
    except StoreError as exc:
        log.warning("%s is not shared with other processes: %s", what, exc.message)
        return None
    return None if store.read_only else store.rate_ledger


def xero_scope(tenant: str) -> str:
    return f"xero:{tenant}"


def whatsapp_scope(phone_number_id: str) -> str:
    return f"whatsapp:{phone_number_id}"


def micros(seconds: float) -> int:
    return round(seconds * US)


@dataclass(frozen=True)
class Pace:
    """How a pacer spaces a number's slots: alone on the number, or sharing it."""

    solo: float  # seconds between slots when one process sends
    shared: float  # seconds between slots when several do (>= solo)
    #: From the end of a solo schedule to the first shared slot: keeps any window that holds
    #: both as tight as the shared pace alone (``capacity * (shared - solo)``).
    handover: float


@dataclass(frozen=True)
class SlotBlock:
    """Consecutive WhatsApp send slots claimed by one process: ``first + i * spacing``."""

    first: float  # seconds since the epoch
    count: int
    spacing: float
    #: Whether another process sends from the number too (the shared pace) or not (solo).
    shared: bool = True


class RateLedger:
    def __init__(self, store: Store) -> None:
        self._store = store

    # ------------------------------------------------------------------ Xero
    def admit_call(
        self,
        tenant: str,
        limits: CallLimits,
        now: float,
        lease_seconds: float,
        feedback: CallFeedback | None = None,
    ) -> Admission:
        """Admit one call of ``tenant`` (a grant and a lease) or say why not and for how long.

        ``feedback`` (what earlier answers said) is applied first, in the same transaction.
        """
        scope, at = xero_scope(tenant), micros(now)
        with self._transaction() as conn:
            self._lock(conn, XERO_APP, at)
            self._ensure(conn, scope, at)
            if feedback is not None and not feedback.empty:
                self._apply(conn, scope, limits, feedback, at)
            conn.execute("DELETE FROM rate_grants WHERE at <= ?", (at - DAY_US,))
            conn.execute("DELETE FROM rate_leases WHERE scope = ? AND expires_at <= ?", (scope, at))
            tenant_row = self._row(conn, scope)
            blocked = _left(tenant_row["blocked_until"], tenant_row["block_us"], at)
            minute = self._count(conn, "scope", scope, at - MINUTE_US, at)
            day = self._count(conn, "scope", scope, at - DAY_US, at, fillers=False)
            if blocked > 0:
                return Admission(day_blocked=blocked / US, minute_used=minute, day_used=day)
            if day >= limits.per_day:
                oldest = self._nth(
                    conn, "scope", scope, at - DAY_US, at, day - limits.per_day, fillers=False
                )
                return Admission(
                    day_budget=(oldest + DAY_US - at) / US, minute_used=minute, day_used=day
                )
            app_row = self._row(conn, XERO_APP)
            waits = {
                "paused": max(
                    _left(tenant_row["paused_until"], tenant_row["pause_us"], at),
                    _left(app_row["paused_until"], app_row["pause_us"], at),
                ),
            }
            if minute >= limits.per_minute:
                oldest = self._nth(
                    conn, "scope", scope, at - MINUTE_US, at, minute - limits.per_minute
                )
                waits["minute"] = oldest + MINUTE_US - at
            app = self._count(conn, "app", XERO_APP, at - MINUTE_US, at)
            if app >= limits.app_per_minute:
                oldest = self._nth(
                    conn, "app", XERO_APP, at - MINUTE_US, at, app - limits.app_per_minute
                )
                waits["appminute"] = oldest + MINUTE_US - at
            leases = conn.execute(
                "SELECT COUNT(*), MIN(expires_at) FROM rate_leases WHERE scope = ?", (scope,)
            ).fetchone()
            if int(leases[0]) >= limits.concurrent:
                poll = micros(CONCURRENT_POLL_SECONDS)
                waits["concurrent"] = min(poll, max(1, int(leases[1]) - at))
            why, wait = max(waits.items(), key=lambda item: item[1])
            if wait > 0:
                return Admission(wait=wait / US, why=why, minute_used=minute, day_used=day)
            lease = uuid.uuid4().hex
            conn.execute(
                "INSERT INTO rate_grants (scope, app, filler, at) VALUES (?, ?, 0, ?)",
                (scope, XERO_APP, at),
            )
            conn.execute(
                "INSERT INTO rate_leases (id, scope, expires_at) VALUES (?, ?, ?)",
                (lease, scope, at + micros(lease_seconds)),
            )
        return Admission(lease=lease, minute_used=minute + 1, day_used=day + 1)

    def end_call(
        self,
        tenant: str,
        lease: str | None,
        limits: CallLimits,
        now: float,
        feedback: CallFeedback | None = None,
    ) -> int:
        """The call of ``lease`` is over: free its slot and apply what Xero said.

        Returns the tenant's calls in the last minute afterwards (fillers included).
        """
        scope, at = xero_scope(tenant), micros(now)
        with self._transaction() as conn:
            self._lock(conn, XERO_APP, at)
            if lease is not None:
                conn.execute("DELETE FROM rate_leases WHERE id = ?", (lease,))
            if feedback is not None and not feedback.empty:
                self._ensure(conn, scope, at)
                self._apply(conn, scope, limits, feedback, at)
            return self._count(conn, "scope", scope, at - MINUTE_US, at)

    def in_flight(self, tenant: str, now: float) -> int:
        """The tenant's calls in flight (unexpired leases), across every process."""
        with self._store.read() as conn:
            row = conn.execute(
                "SELECT COUNT(*) FROM rate_leases WHERE scope = ? AND expires_at > ?",
                (xero_scope(tenant), micros(now)),
            ).fetchone()
        return int(row[0])

    def _apply(
        self, conn: Conn, scope: str, limits: CallLimits, feedback: CallFeedback, at: int
    ) -> None:
        self._fill(conn, "scope", scope, "", limits.per_minute, feedback.minute_left, at)
        self._fill(
            conn, "app", XERO_APP, XERO_APP, limits.app_per_minute, feedback.app_minute_left, at
        )
        if feedback.pause > 0:
            self._pause(conn, scope, micros(feedback.pause), at)
        if feedback.app_pause > 0:
            self._pause(conn, XERO_APP, micros(feedback.app_pause), at)
        if feedback.day_block is not None:
            block = micros(feedback.day_block)
            conn.execute(
                "UPDATE rate_scopes SET blocked_until = ?, block_us = ?, updated_at = ? "
                "WHERE scope = ?",
                (at + block, block, at, scope),
            )

    def _fill(
        self,
        conn: Conn,
        column: str,
        scope: str,
        app: str,
        limit: int,
        left: int | None,
        at: int,
    ) -> None:
        """Xero has ``left`` calls left this minute; fewer than we count: fill the window."""
        if left is None:
            return
        counted = self._count(conn, column, scope, at - MINUTE_US, at)
        missing = (limit - counted) - max(0, left)
        if missing > 0:
            conn.executemany(
                "INSERT INTO rate_grants (scope, app, filler, at) VALUES (?, ?, 1, ?)",
                [(scope, app, at)] * missing,
            )

    # ------------------------------------------------------------------ WhatsApp
    def claim_slots(
        self,
        phone_number_id: str,
        wanted: int,
        pace: Pace,
        now: float,
        delay: float = 0.0,
        claimant: str = "",
    ) -> SlotBlock:
        """Claim ``wanted`` consecutive send slots of the number's shared schedule (0: none), for
        ``claimant`` (one token per process's pacer).

        Shared (another claimant within ``OVERLAP_SECONDS`` of the last one's claim or slots,
        until ``SHARED_HOLD_SECONDS`` after that was last seen): the shared pace; solo: the solo
        pace. The claim that finds the number newly shared starts ``pace.handover`` after the
        solo slots handed out (and after now). Either way a schedule that fell behind starts
        again from now (no catch-up: a burst of late slots crowds one second at the wire),
        ``delay`` moves it later, for a process that sent its slots late, and a pause (130429)
        moves it past the pause.
        """
        scope, at = whatsapp_scope(phone_number_id), micros(now)
        with self._transaction() as conn:
            row = self._lock(conn, scope, at)
            was_shared = int(row["shared_until"]) > at
            shared_until = int(row["shared_until"])
            last = row["claimant"]
            if last is not None and last != claimant:
                active_until = max(int(row["claimed_at"]), int(row["next_slot"] or 0))
                if at <= active_until + micros(OVERLAP_SECONDS):
                    shared_until = at + micros(SHARED_HOLD_SECONDS)
            shared = shared_until > at
            slot = row["next_slot"]
            if slot is None or slot > at + MAX_SCHEDULE_AHEAD_US:
                slot = at  # first use, or written by a clock far ahead
            if shared and not was_shared:  # after the solo slots handed out, late ones too
                slot = max(slot, at) + micros(pace.handover)
            slot = max(
                slot + micros(delay), at, at + _left(row["paused_until"], row["pause_us"], at)
            )
            spacing = pace.shared if shared else pace.solo
            conn.execute(
                "UPDATE rate_scopes SET next_slot = ?, claimant = ?, claimed_at = ?, "
                "shared_until = ?, updated_at = ? WHERE scope = ?",
                (slot + wanted * micros(spacing), claimant, at, shared_until, at, scope),
            )
        return SlotBlock(slot / US, wanted, spacing, shared)

    def slow_down(self, phone_number_id: str, seconds: float, now: float) -> None:
        """Meta said 130429: every process sending from the number waits ``seconds``."""
        scope, at = whatsapp_scope(phone_number_id), micros(now)
        with self._transaction() as conn:
            self._lock(conn, scope, at)
            self._pause(conn, scope, micros(seconds), at)

    def paused_for(self, phone_number_id: str, now: float) -> float:
        """Seconds the number's sends are still paused, across every process."""
        scope, at = whatsapp_scope(phone_number_id), micros(now)
        with self._store.read() as conn:
            row = conn.execute(
                "SELECT paused_until, pause_us FROM rate_scopes WHERE scope = ?", (scope,)
            ).fetchone()
        return 0.0 if row is None else _left(row["paused_until"], row["pause_us"], at) / US

    # ------------------------------------------------------------------ internals
    def _transaction(self) -> AbstractContextManager[Conn]:
        # PostgreSQL: the scope's row lock serialises what must be (not the store-wide write
        # lock); SQLite: an immediate transaction is exclusive already.
        return self._store.transaction(immediate=self._store.dialect != "postgres")

    def _ensure(self, conn: Conn, scope: str, at: int) -> None:
        conn.execute(
            "INSERT INTO rate_scopes (scope, updated_at) VALUES (?, ?) "
            "ON CONFLICT (scope) DO NOTHING",
            (scope, at),
        )

    def _lock(self, conn: Conn, scope: str, at: int) -> Any:
        """The scope's row, locked until the transaction ends (created when missing)."""
        self._ensure(conn, scope, at)
        sql = _LOCK_POSTGRES if conn.dialect == "postgres" else _LOCK_SQLITE
        return conn.execute(sql, (scope,)).fetchone()

    def _row(self, conn: Conn, scope: str) -> Any:
        return conn.execute(
            "SELECT paused_until, pause_us, blocked_until, block_us FROM rate_scopes "
            "WHERE scope = ?",
            (scope,),
        ).fetchone()

    def _pause(self, conn: Conn, scope: str, length: int, at: int) -> None:
        """Pause ``scope`` for ``length`` µs from ``at`` (a longer pause in place stays)."""
        row = self._row(conn, scope)
        if length <= _left(row["paused_until"], row["pause_us"], at):
            return
        conn.execute(
            "UPDATE rate_scopes SET paused_until = ?, pause_us = ?, updated_at = ? WHERE scope = ?",
            (at + length, length, at, scope),
        )

    def _count(
        self, conn: Conn, column: str, key: str, after: int, at: int, *, fillers: bool = True
    ) -> int:
        """Grants of ``key`` in (``after``, ``at`` + 1 minute]: later ones come from a clock
        far ahead and are not counted (they would hold the window for as long as it is off)."""
        sql = _COUNT[column, fillers]
        return int(conn.execute(sql, (key, after, at + MINUTE_US)).fetchone()[0])

    def _nth(
        self,
        conn: Conn,
        column: str,
        key: str,
        after: int,
        at: int,
        n: int,
        *,
        fillers: bool = True,
    ) -> int:
        """The time of the ``n``-th oldest grant (0-based) of ``key`` in the window."""
        row = conn.execute(
            _NTH[column, fillers], (key, after, at + MINUTE_US, max(0, n))
        ).fetchone()
        return int(row[0]) if row is not None else at


_LOCK_SQLITE = (
    "SELECT paused_until, pause_us, next_slot, claimant, claimed_at, shared_until "
    "FROM rate_scopes WHERE scope = ?"
)
_LOCK_POSTGRES = _LOCK_SQLITE + " FOR UPDATE"
#: Grants of a tenant (``scope``) or of the app (``app``) in a window; with or without fillers.
_WINDOW = {
    ("scope", True): "scope = ? AND at > ? AND at <= ?",
    ("scope", False): "scope = ? AND at > ? AND at <= ? AND filler = 0",
    ("app", True): "app = ? AND at > ? AND at <= ?",
    ("app", False): "app = ? AND at > ? AND at <= ? AND filler = 0",
}
# built from the fixed fragments above only: nothing from outside reaches the SQL text
_COUNT = {k: "SELECT COUNT(*) FROM rate_grants WHERE " + w for k, w in _WINDOW.items()}  # noqa: S608
_NTH = {
    k: "SELECT at FROM rate_grants WHERE " + w + " ORDER BY at LIMIT 1 OFFSET ?"  # noqa: S608
    for k, w in _WINDOW.items()
}


def _left(until: int, length: int, at: int) -> int:
    """µs left of a pause or block ending at ``until`` that lasted ``length``: never more than
    its length, whatever the writer's clock said."""
    return max(0, min(int(until) - at, int(length)))
