"""Claimed events run side by side: one slow event (a busy recipient, a slow Xero minute) never
holds up the others.

- Up to ``capacity`` events are in flight at once (``XERO_WA_WORKER_BATCH``); the worker claims
  more as soon as any finishes, instead of working through a batch one event at a time.
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

from component.alerts.handler import EventHandler
from component.storage.events import Event

Resource = tuple[str, str, str]


class EventPool:
    def __init__(self, handler: EventHandler, capacity: int) -> None:
        self.handler = handler
        self.capacity = capacity
        self._tasks: set[asyncio.Task[None]] = set()
        #: One lock per record with events in flight, and how many of them use it.
        self._order: dict[Resource, tuple[asyncio.Lock, int]] = {}
        self._finished = asyncio.Event()

    @property
    def free(self) -> int:
        return max(0, self.capacity - len(self._tasks))

    @property
    def busy(self) -> bool:
        return bool(self._tasks)

    @property
    def in_flight(self) -> int:
        return len(self._tasks)

    async def start(self, events: list[Event]) -> None:
        """Start the claimed events' work (what must come first, first); does not wait for it."""
        if not events:
            return
        await self.handler.processor.before(events)
        for event in events:
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
        """Wait for every event in flight."""
        while self._tasks:
            await asyncio.wait(set(self._tasks))

    async def cancel(self) -> None:
        """Stop every event in flight (a stop past its grace): its claim goes back unfinished."""
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
        self._finished.set()
