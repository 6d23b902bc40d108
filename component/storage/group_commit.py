"""Group commit: small writes from many coroutines, one transaction and one fsync per batch.

On SQLite with ``synchronous=FULL`` every commit waits for the disk and commits are serialised
by the write lock, so N coroutines committing alone queue behind N fsyncs (four per WhatsApp
message in the outbox protocol, one per webhook delivery). Here one writer thread takes every
write waiting, runs them in one transaction, each inside its own SAVEPOINT (a write that raises
is rolled back alone and raises to its own caller only), commits once, then answers every
caller. A caller's ``await`` returns only after that commit, so what it wrote is durable when
it goes on: a webhook's 200, the outbox's "sending" mark before the request leaves.

A write is a plain function using the store's repositories as usual: their own
``store.transaction()``/``store.read()`` blocks join the writer's transaction (nested blocks
join the outer one, ``component.storage.database``), so repositories need no change, and the
same code runs on PostgreSQL (SAVEPOINT is standard SQL). Writes are database work only: on
PostgreSQL a batch whose connection dropped before its commit runs again whole
(``Database.retrying``). One writer per store per process
(``writes_for``). The batches run in the event loop's default executor, one at a time per store
(like ``asyncio.to_thread`` work, so a test executor that runs work inline runs them inline).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from collections import deque
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from component.runtime import Runtime
    from component.storage.store import Store

log = logging.getLogger("xero_wa.storage")

T = TypeVar("T")
#: Writes per transaction at most (a bound on how long one commit holds the write lock).
MAX_BATCH = 512

_Pending = tuple[Callable[[], Any], asyncio.AbstractEventLoop, "asyncio.Future[Any]"]


class GroupCommit:
    """The writer of one store: ``await writer.run(fn)`` returns ``fn()`` once committed."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self._lock = threading.Lock()
        self._pending: deque[_Pending] = deque()
        self._busy = False
        #: transactions committed and writes in them (for benches and logs)
        self.batches = 0
        self.writes = 0

    async def run(self, write: Callable[[], T]) -> T:
        """Run ``write`` in the next group transaction; its result once that commit is done."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[T] = loop.create_future()
        with self._lock:
            self._pending.append((write, loop, future))
            start, self._busy = not self._busy, True
        if start:  # no batch running: this write starts one (it takes whatever waits by then)
            loop.run_in_executor(None, self._drain)
        return await future

    def _drain(self) -> None:
        """Commit batches until nothing waits."""
        while True:
            with self._lock:
                if not self._pending:
                    self._busy = False
                    return
                count = min(MAX_BATCH, len(self._pending))
                batch = [self._pending.popleft() for _ in range(count)]
            outcomes = self._commit([write for write, _, _ in batch])
            for (_, loop, future), outcome in zip(batch, outcomes, strict=True):
                # a closed loop (RuntimeError): nobody waits for the answer any more
                with contextlib.suppress(RuntimeError):
                    loop.call_soon_threadsafe(_settle, future, outcome)

    def _commit(self, writes: list[Callable[[], Any]]) -> list[tuple[bool, Any]]:
        def batch() -> list[tuple[bool, Any]]:
            outcomes: list[tuple[bool, Any]] = []
            with self._store.transaction() as conn:
                for write in writes:
                    conn.execute("SAVEPOINT group_write")
                    try:
                        value = write()
                    except Exception as exc:  # this write only: its caller gets the error
                        conn.execute("ROLLBACK TO SAVEPOINT group_write")
                        conn.execute("RELEASE SAVEPOINT group_write")
                        outcomes.append((False, exc))
                    else:
                        conn.execute("RELEASE SAVEPOINT group_write")
                        outcomes.append((True, value))
            return outcomes

        try:
            # a connection dropped before the commit: the whole batch runs again, once applied
            outcomes = self._store.db.retrying(batch)
        except Exception as exc:  # the transaction failed: nothing of the batch was committed
            log.warning("a group commit of %d write(s) failed: %s", len(writes), exc)
            return [(False, exc)] * len(writes)
        self.batches += 1
        self.writes += len(writes)
        return outcomes


def _settle(future: asyncio.Future[Any], outcome: tuple[bool, Any]) -> None:
    if future.done():  # the caller was cancelled; the write stands
        return
    ok, value = outcome
    if ok:
        future.set_result(value)
    else:
        future.set_exception(value)


def writes_for(runtime: Runtime) -> GroupCommit:
    """The process's writer for the runtime's store."""
    store = runtime.store
    writer: GroupCommit = runtime.shared_object(
        f"storage.group_commit:{id(store)}", lambda: GroupCommit(store)
    )
    return writer
