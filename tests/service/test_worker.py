"""The worker and the durable queue: restarts lose nothing, failures retry then park, replay."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

import pytest

from component import errors
from component.clock import FakeClock
from component.runtime import Runtime
from component.service.worker import Worker
from component.storage.events import Event, NewEvent
from tests.alerts.test_alerts_e2e import new_contact, new_invoice
from tests.service.conftest import Service, Stack, service_config
from tests.storage import postgres_backends

# Every test here runs on SQLite and on PostgreSQL.
settings = postgres_backends.settings
store_backend = postgres_backends.store_backend
api_settings = postgres_backends.api_settings

pytestmark = pytest.mark.anyio


# ----------------------------------------------------------------------------- restarts
async def test_worker_killed_after_the_200_event_processed_after_restart(
    make_stack: Any,
) -> None:
    first: Stack = await make_stack()
    contact_id = await new_contact(first)
    invoice = await new_invoice(first, contact_id)
    await first.deliver()  # 200s answered: both events are in the store
    store = first.service.runtime.store
    claimed = store.events.claim("dead-worker", first.clock.now(), 120, 10)
    assert len(claimed) == 2  # the worker took them ... and the process was killed here

    second: Stack = await make_stack()  # a new process on the same store and sandbox
    assert await second.service.worker.drain() == 0  # the dead worker's lease still holds
    assert await second.messages() == []
    second.clock.advance(121)  # the lease expires
    assert await second.service.worker.drain() == 2

    (message,) = await second.messages()
    assert invoice["InvoiceNumber"] in message["template"]["rendered_body"]
    counts = second.service.runtime.store.events.counts()
    assert counts == {"queued": 0, "working": 0, "done": 2, "parked": 0}


async def test_events_queued_before_a_crash_are_processed_on_the_next_start(
    make_stack: Any,
) -> None:
    first: Stack = await make_stack()
    contact_id = await new_contact(first)
    await new_invoice(first, contact_id)
    await first.deliver()
    second: Stack = await make_stack()
    assert await second.service.worker.drain() == 2
    assert len(await second.messages(template="invoice_new")) == 1


async def test_restart_after_send_does_not_send_twice(make_stack: Any) -> None:
    first: Stack = await make_stack()
    contact_id = await new_contact(first)
    await new_invoice(first, contact_id)
    await first.deliver()
    await first.service.worker.drain()
    events = first.service.runtime.store.events
    for event in events.list(("done",)):  # the same events handled again after a restart
        events.replay(event.id, first.clock.now())
    second: Stack = await make_stack()
    await second.service.worker.drain()
    assert len(await second.messages(template="invoice_new")) == 1


# ----------------------------------------------------------------------------- failures
@dataclass
class ScriptedProcessor:
    """Raises the scripted errors in turn, then succeeds; can block until released."""

    failures: list[Exception] = field(default_factory=list)
    seen: list[int] = field(default_factory=list)
    batches: list[list[int]] = field(default_factory=list)
    gate: asyncio.Event | None = None
    started: asyncio.Event = field(default_factory=asyncio.Event)

    async def before(self, events: list[Event]) -> None:
        self.batches.append([e.id for e in events])

    async def process(self, event: Event) -> str:
        self.seen.append(event.id)
        self.started.set()
        if self.gate is not None:
            await self.gate.wait()
        if self.failures:
            raise self.failures.pop(0)
        return "ok"


def worker_for(runtime: Runtime, processor: ScriptedProcessor, **config: Any) -> Worker:
    return Worker(runtime, service_config(**config), processor, owner="test-worker")  # type: ignore[arg-type]


def queue_one(runtime: Runtime, resource_id: str = "inv-1") -> int:
    event = NewEvent("tenant-1", "INVOICE", resource_id, "UPDATE", "2026-07-14T09:30:00.000")
    runtime.store.events.enqueue([event], runtime.clock.now())
    return runtime.store.events.list()[-1].id


def transient() -> errors.UpstreamError:
    return errors.UpstreamError("Xero is down", errors.UpstreamInfo("xero", 503, retryable=True))


async def test_failures_retry_with_backoff_then_park(service: Service, clock: FakeClock) -> None:
    runtime = service.runtime
    processor = ScriptedProcessor(failures=[transient() for _ in range(10)])
    worker = worker_for(
        runtime, processor, xero_wa_worker_max_attempts=4, xero_wa_worker_backoff_seconds=30
    )
    event_id = queue_one(runtime)
    delays = []
    for attempt in range(1, 5):
        assert await worker.drain() == 1
        event = runtime.store.events.get(event_id)
        assert event is not None
        assert event.attempts == attempt
        if event.state == "parked":
            break
        assert event.state == "queued"
        assert event.last_error == "upstream_error: Xero is down"
        due = (event.next_attempt_at, clock.now())
        assert await worker.drain() == 0  # not due yet
        delay = (runtime.store.events.next_due() - clock.now()).total_seconds()  # type: ignore[operator]
        delays.append(round(delay))
        clock.advance(delay)
        assert due[0] >= due[1].strftime("%Y-%m-%dT%H:%M:%S")
    parked = runtime.store.events.get(event_id)
    assert parked is not None
    assert (parked.state, parked.attempts) == ("parked", 4)
    assert parked.last_error == "upstream_error: Xero is down"
    assert len(delays) == 3
    assert 24 <= delays[0] <= 30
    assert 48 <= delays[1] <= 60
    assert 96 <= delays[2] <= 120


async def test_a_parked_event_can_be_replayed(service: Service) -> None:
    runtime = service.runtime
    processor = ScriptedProcessor(failures=[transient()])
    worker = worker_for(runtime, processor, xero_wa_worker_max_attempts=1)
    event_id = queue_one(runtime)
    await worker.drain()
    assert runtime.store.events.get(event_id).state == "parked"  # type: ignore[union-attr]
    replayed = runtime.store.events.replay(event_id, runtime.clock.now())
    assert replayed is not None
    assert (replayed.state, replayed.attempts) == ("queued", 0)
    await worker.drain()
    assert runtime.store.events.get(event_id).state == "done"  # type: ignore[union-attr]
    assert runtime.store.events.replay(9999, runtime.clock.now()) is None


async def test_definite_xero_refusal_parks_at_once(service: Service) -> None:
    runtime = service.runtime
    gone = errors.UpstreamError("no such invoice", errors.UpstreamInfo("xero", 404))
    worker = worker_for(runtime, ScriptedProcessor(failures=[gone]))
    event_id = queue_one(runtime)
    await worker.drain()
    event = runtime.store.events.get(event_id)
    assert event is not None
    assert (event.state, event.attempts) == ("parked", 1)
    assert event.last_error == "upstream_error: no such invoice"


async def test_retry_after_is_honoured(service: Service, clock: FakeClock) -> None:
    runtime = service.runtime
    limited = errors.RateLimited(
        "daily limit", errors.UpstreamInfo("xero", 429, retryable=True, retry_after=3600)
    )
    worker = worker_for(runtime, ScriptedProcessor(failures=[limited]))
    queue_one(runtime)
    await worker.drain()
    due = runtime.store.events.next_due()
    assert due is not None
    assert (due - clock.now()).total_seconds() == 3600


async def test_unexpected_exception_is_retried_not_lost(service: Service) -> None:
    runtime = service.runtime
    worker = worker_for(runtime, ScriptedProcessor(failures=[KeyError("InvoiceID")]))
    event_id = queue_one(runtime)
    await worker.drain()
    event = runtime.store.events.get(event_id)
    assert event is not None
    assert event.state == "queued"
    assert event.last_error == "internal_error: KeyError: 'InvoiceID'"


# ----------------------------------------------------------------------------- stopping
async def test_graceful_stop_returns_the_event_in_hand_to_the_queue(service: Service) -> None:
    runtime = service.runtime
    processor = ScriptedProcessor(gate=asyncio.Event())
    worker = worker_for(runtime, processor)
    event_id = queue_one(runtime)
    worker.start()
    await processor.started.wait()
    assert runtime.store.events.get(event_id).state == "working"  # type: ignore[union-attr]
    await worker.stop(grace_seconds=0)
    event = runtime.store.events.get(event_id)
    assert event is not None
    assert (event.state, event.attempts, event.lease_owner) == ("queued", 0, None)


async def test_graceful_stop_lets_a_quick_event_finish(service: Service) -> None:
    runtime = service.runtime
    gate = asyncio.Event()
    processor = ScriptedProcessor(gate=gate)
    worker = worker_for(runtime, processor)
    event_id = queue_one(runtime)
    worker.start()
    await processor.started.wait()
    gate.set()
    await worker.stop(grace_seconds=5)
    assert runtime.store.events.get(event_id).state == "done"  # type: ignore[union-attr]


async def test_queued_events_stay_for_the_next_start(make_service: Any) -> None:
    first: Service = await make_service()
    queue_one(first.runtime, "inv-1")
    queue_one(first.runtime, "inv-2")
    await first.worker.stop()
    second: Service = await make_service()
    assert second.runtime.store.events.counts()["queued"] == 2


# ----------------------------------------------------------------------------- side by side
@dataclass
class GatedProcessor:
    """Events whose resource id is in ``held`` wait until released; the others finish at once."""

    held: dict[str, asyncio.Event] = field(default_factory=dict)
    done: list[str] = field(default_factory=list)

    async def before(self, events: list[Event]) -> None:
        return None

    async def process(self, event: Event) -> str:
        gate = self.held.get(event.resource_id)
        if gate is not None:
            await gate.wait()
        self.done.append(event.resource_id)
        return "ok"


async def settle(worker: Worker, in_flight: int) -> None:
    """Wait until only ``in_flight`` events are still in hand (the others recorded as done)."""
    while worker.pool.in_flight > in_flight:
        await worker.pool.one_finished()


async def test_a_slow_event_holds_up_no_other_event(service: Service) -> None:
    """Issue 10 item 13: events run side by side, and the worker claims new ones while a slow
    one (a busy recipient, a slow Xero minute) is still in hand."""
    runtime = service.runtime
    slow = asyncio.Event()
    processor = GatedProcessor(held={"inv-slow": slow})
    worker = worker_for(runtime, processor)
    for resource in ("inv-slow", "inv-2", "inv-3"):
        queue_one(runtime, resource)
    assert await worker.run_once() == 3
    await settle(worker, 1)
    assert processor.done == ["inv-2", "inv-3"]

    queue_one(runtime, "inv-4")  # arrives while inv-slow is still in hand
    assert await worker.run_once() == 1
    await settle(worker, 1)
    assert processor.done == ["inv-2", "inv-3", "inv-4"]
    assert runtime.store.events.counts()["working"] == 1

    slow.set()
    await worker.pool.finish()
    assert runtime.store.events.counts() == {"queued": 0, "working": 0, "done": 4, "parked": 0}


async def test_events_about_one_record_run_in_order(service: Service) -> None:
    runtime = service.runtime
    first = asyncio.Event()
    processor = GatedProcessor(held={"inv-1": first})
    worker = worker_for(runtime, processor)
    queue_one(runtime, "inv-1")
    later = NewEvent("tenant-1", "INVOICE", "INV-1", "UPDATE", "2026-07-14T09:31:00.000")
    runtime.store.events.enqueue([later], runtime.clock.now())
    queue_one(runtime, "inv-2")
    assert await worker.run_once() == 3
    await settle(worker, 2)
    assert processor.done == ["inv-2"]  # INV-1's second event waits behind its first
    processor.held.clear()
    first.set()
    await worker.pool.finish()
    assert processor.done == ["inv-2", "inv-1", "INV-1"]
