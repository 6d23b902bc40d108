"""Checkpoints of a SQLite store's write-ahead log, in a thread of their own.

In WAL mode every commit appends to the ``-wal`` file; a *checkpoint* copies those pages back
into the database file and syncs it. SQLite's default runs one inside whichever commit finds the
log over 1,000 pages, so that commit, and everyone waiting for it, waits for the copy and a
second sync: a webhook's 200 (``bench/webhooks.py``: at concurrency 16 a checkpoint every few
hundred deliveries, part of the latency's tail), the outbox's "sending" mark before a request
leaves (``bench/remind.py`` rate80large: 1,078 commits over 15 ms in one run, up to 100 ms, five a
second by the end as the larger store's commits dirtied more pages; 15 in the 10,000-invoice run).

So a process that writes to the store turns the automatic checkpoint off on its connections
(``PRAGMA wal_autocheckpoint=0``, set by ``SqliteDatabase``) and runs them here instead: a
thread, started with the first commit, that every ``INTERVAL_SECONDS`` when something was
committed runs a ``PASSIVE`` checkpoint on a connection of its own. A passive checkpoint takes no
write lock: commits go on appending to the log while it copies, and the log starts over from its
beginning once everything in it was copied and no reader still needs it, as before. Several
processes on one file each run their own; one that finds another checkpointing skips that turn.
When the last connection to the file closes, SQLite checkpoints what is left and removes the
log, as it always did; a killed process leaves its log to the next one, as it always did, and
the log holds every commit, so nothing of durability changes.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from collections.abc import Callable

log = logging.getLogger("xero_wa.storage")

#: How often the thread looks for commits to checkpoint (seconds).
INTERVAL_SECONDS = 0.5


class WalCheckpointer:
    """Runs ``PRAGMA wal_checkpoint(PASSIVE)`` in a daemon thread while commits come in."""

    def __init__(self, connect: Callable[[], sqlite3.Connection], name: str) -> None:
        self._connect = connect
        self._name = name
        self._lock = threading.Lock()
        self._committed = False
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        #: checkpoints run, and what the last one said: (busy, frames in the log, frames copied)
        self.runs = 0
        self.last: tuple[int, int, int] | None = None

    def committed(self) -> None:
        """A commit appended to the log: check it in at the next turn (starts the thread)."""
        self._committed = True
        if self._thread is None:
            with self._lock:
                if self._thread is None and not self._stopping.is_set():
                    self._thread = threading.Thread(
                        target=self._serve, name=f"xero-wa-checkpoint {self._name}", daemon=True
                    )
                    self._thread.start()

    def stop(self) -> None:
        """Stop the thread and wait for it (after a checkpoint in progress); twice is harmless."""
        with self._lock:
            self._stopping.set()
            thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join()

    @property
    def owed(self) -> bool:
        """Whether something committed waits for a checkpoint."""
        return self._committed

    @property
    def running(self) -> bool:
        """Whether the thread is running."""
        return self._thread is not None and self._thread.is_alive()

    def checkpoint_now(self, conn: sqlite3.Connection) -> None:
        """One passive checkpoint on ``conn``; a failing one is tried again at the next turn."""
        self._committed = False
        try:
            busy, frames, copied = conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
        except sqlite3.Error as exc:  # the next turn tries again; the log keeps every commit
            self._committed = True
            log.debug("a WAL checkpoint of %s failed: %s", self._name, exc)
            return
        self.runs += 1
        self.last = (busy, frames, copied)

    def _serve(self) -> None:
        conn: sqlite3.Connection | None = None
        try:
            while not self._stopping.wait(INTERVAL_SECONDS):
                if not self._committed:
                    continue
                if conn is None:  # a passive checkpoint never waits on a lock: no busy timeout
                    conn = self._connect()
                self.checkpoint_now(conn)
        except Exception as exc:  # cannot even connect: commits go on, the log only grows
            log.warning("WAL checkpoints of %s stopped: %s", self._name, exc)
        finally:
            if conn is not None:
                conn.close()
