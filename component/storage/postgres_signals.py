"""What crosses processes on PostgreSQL besides rows: wake-ups and the refresh mutex.

- **Wake-ups** (LISTEN/NOTIFY): a transaction that queues work calls ``pg_notify`` and waiting
  workers on every host hear it at commit, instead of at their next poll. A listener holds one
  dedicated connection (not a pooled one: LISTEN is a session property) in a daemon thread and
  calls back on each notification. Notifications are only a hint: a lost one (a listener
  reconnecting, a server restart) delays work until the worker's next poll, never loses it.
- **The refresh mutex**: ``pg_advisory_xact_lock`` held by an open transaction for as long as one
  process refreshes a connection's tokens. Transaction-level, not session-level, so it is
  released with the transaction (or the dead connection) and works behind PgBouncer's
  transaction pooling. ``lock_timeout`` bounds the wait.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import threading
from collections.abc import Callable
from typing import Any

log = logging.getLogger("xero_wa.storage.postgres")

#: How long a broken listener waits before connecting again (the workers still poll meanwhile).
RECONNECT_SECONDS = 2.0


def lock_key(text: str) -> int:
    """A signed 64-bit advisory-lock key for ``text`` (stable across processes and hosts)."""
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "big", signed=True)


def channel_name(schema: str, topic: str) -> str:
    """The NOTIFY channel of ``topic`` in ``schema``: deployments in other schemas of the same
    database do not wake each other. Short and lower case: an identifier as PostgreSQL keeps it."""
    digest = hashlib.sha256(f"{schema}:{topic}".encode()).hexdigest()[:12]
    return f"xero_wa_{topic}_{digest}"


class Subscription:
    """LISTEN on ``channel`` in a daemon thread; ``callback()`` on each notification."""

    def __init__(self, url: str, channel: str, callback: Callable[[], None]) -> None:
        self._url = url
        self._channel = channel
        self._callback = callback
        self._stop = threading.Event()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"listen-{channel}", daemon=True)
        self._thread.start()
        self._ready.wait(timeout=10)

    def _run(self) -> None:
        import psycopg

        while not self._stop.is_set():
            try:
                with psycopg.connect(self._url, autocommit=True, connect_timeout=10) as conn:
                    conn.execute(f'LISTEN "{self._channel}"')
                    self._ready.set()
                    while not self._stop.is_set():
                        for _ in conn.notifies(timeout=5.0):
                            if self._stop.is_set():
                                return
                            self._callback()
            except Exception as exc:  # a dropped listener: say so, reconnect, workers still poll
                if self._stop.is_set():
                    return
                log.warning("listening for %s stopped (%s); reconnecting", self._channel, exc)
                self._ready.set()
                self._stop.wait(RECONNECT_SECONDS)

    def close(self, wake: Callable[[], None]) -> None:
        """Stop listening; ``wake`` sends one notification so the thread notices at once."""
        if self._stop.is_set():
            return
        self._stop.set()
        with contextlib.suppress(Exception):  # else the thread ends at its next 5 s timeout
            wake()
        self._thread.join(timeout=10)


def hold_advisory_lock(raw: Any, key: int, wait_seconds: float) -> None:
    """Begin a transaction on ``raw`` and take the transaction-level lock ``key`` in it, waiting
    at most ``wait_seconds`` (psycopg's LockNotAvailable after that)."""
    raw.execute("BEGIN")
    raw.execute(f"SET LOCAL lock_timeout = '{max(1, int(wait_seconds * 1000))}ms'")
    raw.execute("SELECT pg_advisory_xact_lock(%s)", (key,))
