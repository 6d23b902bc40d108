"""The worker: claims queued events, does their work, retries with backoff, parks what keeps failing.

It runs inside ``xero-wa serve`` by default, or alone as ``xero-wa worker``; several may share a
store. Claims are leases (``XERO_WA_WORKER_LEASE_SECONDS``): a worker that dies mid-event leaves
the event ``working`` until its lease expires, then any worker claims it again. A graceful stop
stops claiming, lets the event in hand finish for a short grace period, and gives back whatever
it still holds, so the next start processes it. Nothing is lost: an event leaves the queue only
as ``done`` or ``parked`` (with its error, listed by ``xero-wa events``, replayable).

Claimed events run side by side (``component.alerts.pool``: up to ``XERO_WA_WORKER_BATCH`` at
once, one record's events in order). Under a backlog the loop claims 50 at a time, so their
records come in one Xero call per tenant (``component.alerts.records``); it claims more as soon
as none of them waits for a slot. What happens
to an event after its work ran (done, retry with backoff, park, wait for its recipient's turn)
is ``component.alerts.handler``. Every wait is on the runtime's clock, so tests move time
instead of sleeping.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import uuid
from datetime import timedelta

from component.alerts.handler import EventHandler, Processor
from component.alerts.pool import EventPool
from component.alerts.records import MAX_IDS
from component.runtime import Runtime
from component.service.config import ServiceConfig
from component.storage.events import Event

log = logging.getLogger("xero_wa.service.worker")

#: Finished events are kept this long (for ``xero-wa events`` and deduplication), then purged.
KEEP_DONE = timedelta(days=7)
PURGE_EVERY_SECONDS = 3600.0


def new_owner() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


class Worker:
    def __init__(
        self,
        runtime: Runtime,
        config: ServiceConfig,
        processor: Processor,
        *,
        owner: str | None = None,
    ) -> None:
        self.runtime = runtime
        self.config = config
        self.processor = processor
        self.owner = owner or new_owner()
        self.handler = EventHandler(runtime, config, processor, self.owner)
        self.pool = EventPool(self.handler, config.xero_wa_worker_batch)
        self._wake: asyncio.Event | None = None
        self._stopping = False
        self._task: asyncio.Task[None] | None = None
        self._last_purge: float | None = None

    # ------------------------------------------------------------------ one pass
    async def run_once(self) -> int:
        """Claim a batch of due events (``EventPool.wanted``) and start them; how many."""
        wanted = self.pool.wanted(MAX_IDS)
        if wanted == 0 or self._stopping:
            return 0
        events = self.runtime.store.events
        claimed = await asyncio.to_thread(
            events.claim,
            self.owner,
            self.runtime.clock.now(),
            self.config.xero_wa_worker_lease_seconds,
            wanted,
        )
        await self.pool.start(claimed)
        return len(claimed)

    async def drain(self, max_batches: int = 1000) -> int:
        """Process every event that is due now (tests, and ``xero-wa worker --once``); at most
        ``max_batches`` claims (waiting for a slot is not a claim)."""
        total = claims = 0
        while claims < max_batches:
            claimed = await self.run_once()
            if claimed:
                total += claimed
                claims += 1
                continue
            if not self.pool.busy:
                break
            await self.pool.one_finished()  # a slot frees: claim again
        await self.pool.finish()
        return total

    async def handle(self, event: Event) -> None:
        await self.handler.handle(event)

    @property
    def processed(self) -> int:
        return self.handler.processed

    # ------------------------------------------------------------------ running
    def wake(self) -> None:
        """New events are queued: stop idling now rather than at the next tick."""
        if self._wake is not None:
            self._wake.set()

    def start(self) -> None:
        self._stopping = False
        self._wake = asyncio.Event()
        self._task = asyncio.create_task(self.run(), name="xero-wa-worker")

    async def run(self) -> None:
        """Claim and process until stopped; idle on the clock (or until woken) when empty.

        Woken too when another process queues events, where the store can tell (PostgreSQL's
        LISTEN/NOTIFY); the idle poll stays, so a missed wake-up only delays an event."""
        if self._wake is None:
            self._wake = asyncio.Event()
        loop = asyncio.get_running_loop()

        def woken_elsewhere() -> None:  # called in the listener's thread
            loop.call_soon_threadsafe(self.wake)

        listening = await asyncio.to_thread(self.runtime.store.events.subscribe, woken_elsewhere)
        try:
            while not self._stopping:
                try:
                    claimed = await self.run_once()
                    await self._purge()
                except Exception:
                    log.exception("worker pass failed; continuing")
                    claimed = 0
                if claimed == 0 and not self._stopping:
                    await self._idle()
            await self.pool.finish()  # stopping: the events in flight finish (within the grace)
        finally:
            await self.pool.cancel()
            await self._release()
            if listening is not None:
                await asyncio.to_thread(listening.close)

    async def stop(self, grace_seconds: float = 5.0) -> None:
        """Stop claiming; let the events in hand finish for ``grace_seconds``; give back the rest."""
        self._stopping = True
        self.wake()
        task, self._task = self._task, None
        if task is None:
            return
        try:
            await asyncio.wait_for(asyncio.shield(task), grace_seconds)
        except TimeoutError:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _idle(self) -> None:
        assert self._wake is not None
        sleeper = asyncio.ensure_future(
            self.runtime.clock.sleep(self.config.xero_wa_worker_idle_seconds)
        )
        waker = asyncio.ensure_future(self._wake.wait())
        waits = {sleeper, waker}
        if self.pool.wanted(MAX_IDS) == 0:  # no claim now: claim again as soon as one finishes
            waits.add(asyncio.ensure_future(self.pool.one_finished()))
        try:
            await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for pending in waits:
                pending.cancel()
            self._wake.clear()

    async def _release(self) -> None:
        now = self.runtime.clock.now()
        given_back = await asyncio.to_thread(self.runtime.store.events.release, self.owner, now)
        if given_back:
            log.info("worker stopped: %d unfinished event(s) returned to the queue", given_back)

    async def _purge(self) -> None:
        now = self.runtime.clock.monotonic()
        if self._last_purge is not None and now - self._last_purge < PURGE_EVERY_SECONDS:
            return
        self._last_purge = now
        cutoff = self.runtime.clock.now() - KEEP_DONE
        await asyncio.to_thread(self.runtime.store.events.purge_done, cutoff)
