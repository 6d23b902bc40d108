"""Group commit: small writes from many coroutines, one transaction and one fsync per batch.

On SQLite with ``synchronous=FULL`` every commit waits for the disk and commits are serialised
by the write lock, so N coroutines committing alone queue behind N fsyncs (four per WhatsApp
message in the outbox protocol, one per webhook delivery). Here one writer thread takes every
write waiting, runs them in one transaction, commits once, then answers every caller. A write
that raises is rolled back alone and raises to its own caller only (the batch runs again with
each write in its own SAVEPOINT: ``GroupCommit._commit``). A caller's ``await`` returns only
after that commit, so what it wrote is durable when it goes on: a webhook's 200, the outbox's
"sending" mark before the request leaves.

A write is a plain function using the store's repositories as usual: their own
``store.transaction()``/``store.read()`` blocks join the writer's transaction (nested blocks
join the outer one, ``component.storage.database``), so repositories need no change, and the
same code runs on PostgreSQL (SAVEPOINT is standard SQL). Writes are database work only: on
PostgreSQL a batch whose connection dropped before its commit runs again whole
(``Database.retrying``). One writer per store per process (``writes_for``).

The writer is a thread of its own that lives while there is work (it ends after
``IDLE_SECONDS`` without any), so a hand-off costs no more than the two wake-ups it needs (issue
13: the thread pool added a submit, a concurrent future wrapped back into the loop and one more
trip through the loop a batch; the wake-up of a sleeping thread itself stays, about a tenth of
the event loop's time a delivery at concurrency 16 on a busy 2-core machine):

- to the writer: the first write of a batch wakes it once the loop has read what is ready
  (deliveries read in the same turns of the loop join it), by releasing one lock; a writer
  that is busy is not woken, it takes what waits when its commit is done;
- back: each loop with callers in a batch gets one ``call_soon_threadsafe`` that answers all
  of them.

Under ``tests/virtual_clock.py`` (``run_inline``) the batches run on the loop's own thread
instead, so a test clock knows no thread is still working when every task waits.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
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
#: Turns of the event loop a batch may wait for more writes while more keep coming (each turn
#: reads what the sockets have; the batch starts at once when a turn brings nothing new).
MAX_GATHER_TURNS = 4
#: Seconds a writer thread waits for work before it ends (the next write starts a new one).
IDLE_SECONDS = 5.0

#: Set for the work a test clock drives: batches run on the loop's thread, none in a thread.
run_inline: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "group_commit_run_inline", default=False
)

_Pending = tuple[Callable[[], Any], asyncio.AbstractEventLoop, "asyncio.Future[Any]"]
_Answer = tuple["asyncio.Future[Any]", tuple[bool, Any]]


class GroupCommit:
    """The writer of one store: ``await writer.run(fn)`` returns ``fn()`` once committed."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self._lock = threading.Lock()
        self._pending: deque[_Pending] = deque()
        #: released to wake the writer thread; held while it sleeps
        self._signal = threading.Lock()
        self._signal.acquire()
        self._thread: threading.Thread | None = None
        self._asleep = False  # the writer thread waits on ``_signal``
        #: the loop that owes the writer the wake-up that is due (``_wake_due``)
        self._wake_loop: asyncio.AbstractEventLoop | None = None
        self._wake_due = False  # a loop callback will wake it (or start one)
        self._inline_due = False  # a loop callback will commit inline (``run_inline``)
        #: transactions committed and writes in them (for benches and logs)
        self.batches = 0
        self.writes = 0

    async def run(self, write: Callable[[], T]) -> T:
        """Run ``write`` in the next group transaction; its result once that commit is done."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[T] = loop.create_future()
        inline = run_inline.get()
        with self._lock:
            self._pending.append((write, loop, future))
            if inline:
                start, self._inline_due = not self._inline_due, True
            else:
                due = self._wake_due and not self._wake_lost()
                start = not due and (self._thread is None or self._asleep)
                self._wake_due = due or start
                if start:
                    self._wake_loop = loop
            waiting = len(self._pending)
        if start:
            # once the loop has run what is ready now: deliveries read from the sockets in the
            # same turn join this batch instead of waiting for the next commit
            if inline:
                loop.call_soon(self._commit_inline)
            else:
                loop.call_soon(self._wake, loop, waiting, 1)
        return await future

    def _wake_lost(self) -> bool:
        """The wake-up that is due was scheduled on a loop that has closed since: it will never
        run, and the next write must wake the writer itself (a caller holds ``_lock``)."""
        return self._wake_loop is not None and self._wake_loop.is_closed()

    def _wake(self, loop: asyncio.AbstractEventLoop, seen: int, turns: int) -> None:
        """Wake the writer, or start one; first wait a turn more while writes keep coming."""
        with self._lock:
            waiting = len(self._pending)
            if seen < waiting < MAX_BATCH and turns < MAX_GATHER_TURNS:
                loop.call_soon(self._wake, loop, waiting, turns + 1)
                return
            self._wake_due = False
            if self._thread is not None:
                if self._asleep:
                    self._asleep = False
                    self._signal.release()
                return
            self._thread = threading.Thread(
                target=self._serve, name="xero-wa-group-commit", daemon=True
            )
        self._thread.start()

    def _serve(self) -> None:
        """The writer thread: commit batches while writes wait, sleep while none do, end after
        ``IDLE_SECONDS`` asleep. Whatever goes wrong, no caller is left waiting."""
        batch: list[_Pending] = []
        try:
            while True:
                with self._lock:
                    count = min(MAX_BATCH, len(self._pending))
                    batch = [self._pending.popleft() for _ in range(count)]
                    self._asleep = not batch
                if batch:
                    self._answer(batch, self._commit([write for write, _, _ in batch]))
                elif not self._sleep():
                    return
        except BaseException as exc:  # a bug in the writer itself: fail what waits, not hang
            log.error("the group commit writer failed", exc_info=exc)
            with self._lock:
                orphans = [*batch, *self._pending]  # answered callers are skipped
                self._pending.clear()
                self._thread, self._asleep = None, False
            for _, loop, future in orphans:  # one by one: nothing shared with what failed
                self._answer_on(loop, [(future, (False, exc))])

    def _sleep(self) -> bool:
        """Wait to be woken; False when the thread should end (idle, nothing waits)."""
        if self._signal.acquire(timeout=IDLE_SECONDS):
            return True
        with self._lock:
            if self._asleep and (not self._wake_due or self._wake_lost()):  # none will wake it
                self._thread, self._asleep = None, False
                return False
        # a wake is on its way (a loop callback saw this thread asleep): take it
        self._signal.acquire()
        return True

    def _commit_inline(self) -> None:
        """``run_inline``: what waits is committed here, on the loop's thread."""
        with self._lock:
            self._inline_due = False
            batch = list(self._pending)
            self._pending.clear()
        here = asyncio.get_running_loop()
        for first in range(0, len(batch), MAX_BATCH):
            part = batch[first : first + MAX_BATCH]
            outcomes = self._commit([write for write, _, _ in part])
            for loop, answers in _answers(part, outcomes).items():
                if loop is here:
                    _settle_all(answers)
                else:
                    self._answer_on(loop, answers)

    def _answer(self, batch: list[_Pending], outcomes: list[tuple[bool, Any]]) -> None:
        """One wake-up per loop with callers in ``batch`` answers all of them."""
        for loop, answers in _answers(batch, outcomes).items():
            self._answer_on(loop, answers)

    @staticmethod
    def _answer_on(loop: asyncio.AbstractEventLoop, answers: list[_Answer]) -> None:
        # a closed loop (RuntimeError): nobody waits for the answer any more
        with contextlib.suppress(RuntimeError):
            loop.call_soon_threadsafe(_settle_all, answers)

    def _commit(self, writes: list[Callable[[], Any]]) -> list[tuple[bool, Any]]:
        """Commit ``writes`` in one transaction; each one's (True, value) or (False, error).

        Writes seldom raise, so a batch first runs without a SAVEPOINT around each write: two
        statements a write fewer, each a trip of the writer thread out of the GIL and back,
        which the event loop's thread holds most of the time (issue 13: a WhatsApp message is
        three writes, a webhook delivery one). When a write raises, nothing of that attempt
        was committed and the batch runs again the careful way, each write in its own
        SAVEPOINT, so only the write that raised fails. A write alone in its batch needs no
        second run: its transaction rolled back is exactly its SAVEPOINT rolled back. Running
        a write again is what a dropped PostgreSQL connection already does to a whole batch
        (``Database.retrying``): writes are database work only."""
        store = self._store
        in_writes = False  # whether the fast attempt failed inside a write (not BEGIN or COMMIT)

        def fast() -> list[tuple[bool, Any]]:
            nonlocal in_writes
            in_writes = False  # each attempt (a dropped connection runs it again) anew
            with store.transaction():
                in_writes = True
                values = [(True, write()) for write in writes]
                in_writes = False
                return values

        def careful() -> list[tuple[bool, Any]]:
            with store.transaction():
                # a write that raises is undone alone: its caller gets the error
                return [alone(store, write) for write in writes]

        try:
            # a connection dropped before the commit: the whole batch runs again, once applied
            try:
                outcomes = store.db.retrying(fast)
            except Exception as exc:
                if not in_writes:  # the transaction itself failed (BEGIN or COMMIT)
                    raise
                # a write alone: its transaction rolled back is its SAVEPOINT rolled back
                outcomes = store.db.retrying(careful) if len(writes) > 1 else [(False, exc)]
        except Exception as exc:  # the transaction failed: nothing of the batch was committed
            log.warning("a group commit of %d write(s) failed: %s", len(writes), exc)
            return [(False, exc)] * len(writes)
        self.batches += 1
        self.writes += len(writes)
        return outcomes


def alone(store: Store, write: Callable[[], T]) -> tuple[bool, T | Exception]:
    """``write()`` in a SAVEPOINT of the store's current transaction: (True, its value), or
    (False, its exception) with everything it did undone and the rest of the transaction kept.
    A group commit's writes each run so; a write may use it again for a part whose failure must
    not undo the rest of it (the record of a WhatsApp send next to the outbox's "sent" mark)."""
    with store.transaction() as conn:
        conn.execute("SAVEPOINT group_write")
        try:
            value = write()
        except Exception as exc:
            conn.execute("ROLLBACK TO SAVEPOINT group_write")
            conn.execute("RELEASE SAVEPOINT group_write")
            return False, exc
        conn.execute("RELEASE SAVEPOINT group_write")
        return True, value


def _answers(
    batch: list[_Pending], outcomes: list[tuple[bool, Any]]
) -> dict[asyncio.AbstractEventLoop, list[_Answer]]:
    """The answers of a batch, by the loop their callers wait on."""
    by_loop: dict[asyncio.AbstractEventLoop, list[_Answer]] = {}
    for (_, loop, future), outcome in zip(batch, outcomes, strict=True):
        by_loop.setdefault(loop, []).append((future, outcome))
    return by_loop


def _settle_all(answers: list[_Answer]) -> None:
    for future, (ok, value) in answers:
        if future.done():  # the caller was cancelled; the write stands
            continue
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
