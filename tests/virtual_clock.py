"""A clock on which concurrent waits take the time they ask for, without any real waiting.

``FakeClock.sleep`` advances time by each sleeper's own delay, so two tasks that each wait 6 s
make 12 s pass: right for "wait exactly Retry-After", wrong for "one customer's waits must not
delay another's". ``VirtualClock`` is a discrete-event clock: a sleeper is woken when time
reaches its wake-up, and time only jumps (to the earliest wake-up) once every task is waiting
on the clock. ``await clock.run(coroutine)`` drives it until the coroutine is done.

While it runs, ``asyncio.to_thread`` work (the store's SQLite calls) and the group commit's
batches (``storage.group_commit.run_inline``) run inline on the loop's thread, so "every task is
waiting" can be told exactly: no thread can still be doing something the clock would otherwise
jump past.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import heapq
import itertools
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from component.storage.group_commit import run_inline

T = TypeVar("T")

#: Loop iterations a settle may take before it is considered stuck (a test bug, not a wait).
MAX_SETTLE_ROUNDS = 100_000


class InlineExecutor(concurrent.futures.ThreadPoolExecutor):
    """Runs submitted work at once, on the caller's thread (asyncio only takes a
    ThreadPoolExecutor as its default executor; this one never starts a thread)."""

    def submit(
        self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any
    ) -> concurrent.futures.Future[Any]:
        future: concurrent.futures.Future[Any] = concurrent.futures.Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as exc:  # handed to the awaiting task, like a thread would
            future.set_exception(exc)
        return future


class VirtualClock:
    def __init__(self, start: datetime | None = None) -> None:
        self._now = start or datetime(2026, 7, 14, 9, 30, tzinfo=UTC)
        self._mono = 1000.0
        self._sleepers: list[tuple[float, int, asyncio.Future[None]]] = []
        self._order = itertools.count()

    def now(self) -> datetime:
        return self._now

    def monotonic(self) -> float:
        return self._mono

    def advance(self, seconds: float) -> None:
        """Move time forward (waking the sleepers it passes when ``run`` next settles)."""
        self._now += timedelta(seconds=seconds)
        self._mono += seconds
        self._wake_due()

    def set(self, when: datetime) -> None:
        delta = (when - self._now).total_seconds()
        if delta < 0:
            raise ValueError("VirtualClock cannot go backwards")
        self.advance(delta)

    async def sleep(self, seconds: float) -> None:
        if seconds <= 0:
            await asyncio.sleep(0)
            return
        wake: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._sleepers, (self._mono + seconds, next(self._order), wake))
        await wake

    async def run(self, work: Awaitable[T]) -> T:
        """Run ``work`` to completion, jumping time whenever every task waits on the clock."""
        loop = asyncio.get_running_loop()
        loop.set_default_executor(InlineExecutor())
        inline = run_inline.set(True)  # the task below (and every task it starts) inherits it
        try:
            task = asyncio.ensure_future(work)
        finally:
            run_inline.reset(inline)
        while True:
            await self._settle(loop)
            if task.done():
                return task.result()
            if not self._pending():
                task.cancel()
                raise RuntimeError("nothing waits on the clock, yet the work is not done")
            self.advance(self._sleepers[0][0] - self._mono)

    # ------------------------------------------------------------------ internals
    def _pending(self) -> bool:
        while self._sleepers and self._sleepers[0][2].done():  # cancelled sleepers
            heapq.heappop(self._sleepers)
        return bool(self._sleepers)

    def _wake_due(self) -> None:
        while self._sleepers and self._sleepers[0][0] <= self._mono + 1e-9:
            _, _, wake = heapq.heappop(self._sleepers)
            if not wake.done():
                wake.set_result(None)

    async def _settle(self, loop: asyncio.AbstractEventLoop) -> None:
        """Yield until no callback is ready: every task waits (on the clock or for ever)."""
        ready = getattr(loop, "_ready", None)  # CPython's run queue
        for _ in range(MAX_SETTLE_ROUNDS):
            await asyncio.sleep(0)
            if ready is not None and not ready:
                return
        raise RuntimeError("the event loop never settled")
