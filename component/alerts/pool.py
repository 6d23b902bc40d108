"""Claimed events run side by side: one slow event (a busy recipient, a slow Xero minute) never
holds up the others.

- Up to ``capacity`` events are in flight at once (``XERO_WA_WORKER_BATCH``). The worker claims
  batches of up to 50 (``alerts.records.MAX_IDS``) so that their records come in one Xero call;
  claimed events beyond the free slots wait here, in claim order, and start as slots free. The
  worker claims again as soon as none is waiting and a slot is free, instead of working through
  a batch one event at a time.
- Events about the same record (tenant, category, resource) run one after the other, in the
  order they were received.
- Before any event of a newly claimed batch starts, the processor does what must come first
  (``Processor.before``: an invoice the catch-up poll already saw paid, voided or deleted stops
  its reminders), so no send of the batch can go out after a stop it carries.
- Waiting for a recipient's turn does not take a slot: such an event is deferred
  (``notify.pacing``).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque

from component.alerts.handler import EventHandler
from component.storage.events import Event

Resource = tuple[str, str, str]


class EventPool:
    def __init__(self, handler: EventHandler, capacity: int) -> None:
        self.handler = handler
        self.capacity = capacity
        self._tasks: set[asyncio.Task[None]] = set()
        #: Claimed events waiting for a slot (their batch's ``before`` has run).
        self._waiting: deque[Event] = deque()
        #: One lock per record with events in flight, and how many of them use it.
        self._order: dict[Resource, tuple[asyncio.Lock, int]] = {}
        self._finished = asyncio.Event()

    @property
    def free(self) -> int:
        return max(0, self.capacity - len(self._tasks) - len(self._waiting))

    def wanted(self, batch: int) -> int:
        """How many events to claim now: none while claimed ones wait or no slot is free, else
        at least ``batch`` (their records come together) and at least the free slots."""
        if self._waiting or self.free == 0:
            return 0
        return max(self.free, batch)

    @property
    def busy(self) -> bool:
        return bool(self._tasks or self._waiting)

    @property
    def in_flight(self) -> int:
        return len(self._tasks)

    async def start(self, events: list[Event]) -> None:
        """Start the claimed events' work (what must come first, first); does not wait for it."""
        if not events:
            return
        await self.handler.processor.before(events)
        self._waiting.extend(events)
        self._pump()

    def _pump(self) -> None:
        """Start waiting events while slots are free."""
        while self._waiting and len(self._tasks) < self.capacity:
            event = self._waiting.popleft()
            task = asyncio.create_task(self._run(event), name=f"xero-wa-event-{event.id}")
            self._tasks.add(task)
            task.add_done_callback(self._done)

    async def one_finished(self) -> None:
        """Wait until an event in flight finishes (returns at once when none is)."""
        if not self._tasks:
            return
        self._finished.clear()
        await self._finished.wait()

    async def finish(self) -> None:
        """Wait for every event in flight and every claimed one waiting for a slot."""
        while self._tasks:
            await asyncio.wait(set(self._tasks))

    async def cancel(self) -> None:
        """Stop every event in flight (a stop past its grace) and drop the waiting ones: their
        claims go back unfinished."""
        self._waiting.clear()
        tasks = set(self._tasks)
        for task in tasks:
            task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.gather(*tasks, return_exceptions=True)

    async def _run(self, event: Event) -> None:
        resource = (event.tenant_id, event.category, event.resource_id.lower())
        lock, users = self._order.get(resource, (asyncio.Lock(), 0))
        self._order[resource] = (lock, users + 1)
        try:
            async with lock:
                await self.handler.handle(event)
        finally:
            lock, users = self._order[resource]
            if users > 1:
                self._order[resource] = (lock, users - 1)
            else:
                del self._order[resource]

    def _done(self, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        self._pump()
        self._finished.set()
