"""A run killed at the dangerous points, then run again: no duplicate, none missed.

1. after the intent is recorded, before the send (e.g. waiting in WhatsApp's pacer): nothing
   reached Meta, so nothing is marked "sending" and the next run sends it;
2. after Meta accepted the message, before the outbox recorded it: the next run must not send
   it again. The WhatsApp client's record of the acceptance and the outbox's "sent" mark commit
   together, so the message is held for review, never resent blindly; a record found next to a
   "sending" message (an older version committed them apart) confirms it as sent.
"""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from datetime import timedelta
from typing import Any

import httpx
import pytest

from component.reminders import plan as p
from component.whatsapp.pacer import WhatsAppPacer
from tests.reminders.conftest import TODAY, World
from tests.storage import postgres_backends

# Every test here runs on SQLite and on PostgreSQL (tests/storage/postgres_backends.py).
settings = postgres_backends.settings
store_backend = postgres_backends.store_backend

NUMBERS = ["98200 10001", "98200 10002", "98200 10003"]
PHONE_NUMBER_ID = "106540352242922"  # the sandbox's business number


class Killed(Exception):
    """The process dies here (nothing after this point runs)."""


def kill_on_call(n: int, original: Any) -> Any:
    """A stand-in for ``original`` that dies on its ``n``-th call (after running it, if asked)."""
    calls = {"count": 0}

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        calls["count"] += 1
        if calls["count"] == n:
            raise Killed
        return original(*args, **kwargs)

    return wrapper


class DiesAfterSend(httpx.AsyncBaseTransport):
    """Forwards the ``n``-th WhatsApp send to the sandbox, which accepts it, then dies."""

    def __init__(self, inner: httpx.AsyncBaseTransport, n: int, error: BaseException) -> None:
        self.inner, self.n, self.error, self.sends = inner, n, error, 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self.inner.handle_async_request(request)
        if request.method == "POST" and request.url.path.endswith("/messages"):
            self.sends += 1
            if self.sends == self.n:
                await response.aread()
                raise self.error
        return response


async def three_customers(world: World) -> None:
    for n, number in enumerate(NUMBERS):
        contact = await world.customer(f"Customer {n}", number)
        await world.invoice(contact, "5000", TODAY - timedelta(days=7 + n))


def recipients(world: World) -> Counter[str]:
    return Counter(m["to"] for m in world.messages())


@pytest.mark.anyio
async def test_killed_after_the_intent_the_rerun_sends_it(world: World) -> None:
    await three_customers(world)
    outbox = world.runtime.store.outbox
    outbox.start_sending = kill_on_call(2, outbox.start_sending)  # type: ignore[method-assign]
    with pytest.raises(Killed):
        await world.run(concurrency=1)
    assert sum(recipients(world).values()) == 1

    await world.restart()
    report = await world.run()
    assert report.sent == 2
    assert recipients(world) == Counter(
        {"+919820010001": 1, "+919820010002": 1, "+919820010003": 1}
    )
    assert world.runtime.store.outbox.needs_review() == []


@pytest.mark.anyio
async def test_killed_before_the_answer_is_committed_keeps_neither_the_mark_nor_the_record(
    world: World,
) -> None:
    """The WhatsApp client's record of an accepted message and the outbox's "sent" mark are one
    commit (issue 13 target 2): a kill before it leaves the message "sending" with no record
    (held for review, never resent), never one of the two without the other. (Before, they were
    two commits in a row, and a kill between them left the record without the mark.)"""
    await three_customers(world)
    outbox = world.runtime.store.outbox
    outbox.mark_sent = kill_on_call(2, outbox.mark_sent)  # type: ignore[method-assign]
    with pytest.raises(Killed):
        await world.run(concurrency=1)
    assert sum(recipients(world).values()) == 2  # the second one reached Meta
    [held] = outbox.needs_review()
    assert held.state == "sending"
    assert world.runtime.store.messages.sent_with_callback(held.key) == []
    [sent] = outbox.messages(state="sent")
    assert len(world.runtime.store.messages.sent_with_callback(sent.key)) == 1

    await world.restart()
    report = await world.run()
    assert report.sent == 1  # the third customer: none missed
    assert report.skipped == {p.ALREADY_SENT: 1, p.NEEDS_REVIEW: 1}  # the second: not resent
    assert set(recipients(world).values()) == {1}
    assert len(recipients(world)) == 3


@pytest.mark.anyio
async def test_a_recorded_acceptance_left_in_sending_is_confirmed_not_resent(
    world: World,
) -> None:
    """A record of Meta's acceptance next to a message still "sending" (left by a version that
    committed them apart): the rerun confirms it as sent instead of holding it for review."""
    await three_customers(world)
    outbox = world.runtime.store.outbox
    outbox.mark_sent = kill_on_call(2, outbox.mark_sent)  # type: ignore[method-assign]
    with pytest.raises(Killed):
        await world.run(concurrency=1)
    [held] = outbox.needs_review()
    wamid = next(m["id"] for m in world.messages() if m["biz_opaque_callback_data"] == held.key)
    world.runtime.store.messages.record_sent(
        wamid, str(held.recipient), callback_data=held.key, sent_at=world.clock.now()
    )

    await world.restart()
    report = await world.run()
    assert report.sent == 1
    assert "1 reminder(s) from an interrupted run were confirmed as sent" in report.warnings
    assert set(recipients(world).values()) == {1}
    assert len(recipients(world)) == 3
    assert world.runtime.store.outbox.needs_review() == []


@pytest.mark.anyio
async def test_killed_with_the_answer_on_the_wire_is_held_for_review(world: World) -> None:
    await three_customers(world)
    await world.restart(DiesAfterSend(world.sandbox.transport, 2, Killed()))
    with pytest.raises(Killed):
        await world.run(concurrency=1)
    assert sum(recipients(world).values()) == 2

    await world.restart()
    report = await world.run()
    assert report.sent == 1  # the third customer: none missed
    assert report.skipped == {p.ALREADY_SENT: 1, p.NEEDS_REVIEW: 1}  # the second: not resent
    assert set(recipients(world).values()) == {1}
    [held] = world.runtime.store.outbox.needs_review()
    assert recipients(world)[str(held.recipient)] == 1  # it did reach Meta, once

    # Meta's status webhook carries the key back: the service settles it
    wamid = next(m["id"] for m in world.messages() if m["biz_opaque_callback_data"] == held.key)
    assert world.runtime.store.outbox.resolve(held.key, wamid)
    again = await world.run()
    assert again.skipped == {p.ALREADY_SENT: 3}
    assert sum(recipients(world).values()) == 3


@pytest.mark.anyio
async def test_a_lost_answer_in_a_live_run_is_reported_for_review(world: World) -> None:
    await three_customers(world)
    timeout = httpx.ReadTimeout("no answer")
    await world.restart(DiesAfterSend(world.sandbox.transport, 1, timeout))
    report = await world.run(concurrency=1)
    assert report.sent == 2
    assert report.failed == {"outcome_unknown": 1}
    assert len(report.review) == 1
    assert report.has_failures
    await world.restart()
    again = await world.run()
    assert again.sent == 0
    assert again.skipped[p.NEEDS_REVIEW] == 1
    assert set(recipients(world).values()) == {1}


def record_calls(obj: Any, name: str, count: int) -> asyncio.Event:
    """An event set once ``obj.name`` (a store method, run in a thread) returned ``count`` times."""
    loop = asyncio.get_running_loop()
    reached = asyncio.Event()
    original = getattr(obj, name)
    calls = []

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        result = original(*args, **kwargs)
        calls.append(1)
        if len(calls) == count:
            loop.call_soon_threadsafe(reached.set)
        return result

    setattr(obj, name, wrapper)
    return reached


class JammedPacer(WhatsAppPacer):
    """Admits the first ``free`` sends, then holds every other one (as a long pacing wait does:
    one message a second, or a busy recipient); ``all_waiting`` is set once ``expected`` wait."""

    def __init__(self, clock: Any, free: int, expected: int) -> None:
        super().__init__(clock, rate=80.0, pair_interval=0.0)
        self.free, self.expected, self.entered, self.waiting = free, expected, 0, 0
        self.jam = asyncio.Event()
        self.all_waiting = asyncio.Event()

    async def acquire(self, recipient: str) -> Any:
        self.entered += 1
        if self.entered > self.free:
            self.waiting += 1
            if self.waiting == self.expected:
                self.all_waiting.set()
            await self.jam.wait()
        return await super().acquire(recipient)


class HangsOnSend(httpx.AsyncBaseTransport):
    """The ``n``-th WhatsApp send leaves the process and never gets an answer."""

    def __init__(self, inner: httpx.AsyncBaseTransport, n: int) -> None:
        self.inner, self.n, self.sends = inner, n, 0
        self.left: list[str] = []
        self.hanging = asyncio.Event()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.method == "POST" and request.url.path.endswith("/messages"):
            self.left.append(json.loads(request.content)["biz_opaque_callback_data"])
            self.sends += 1
            if self.sends == self.n:
                self.hanging.set()
                await asyncio.Event().wait()  # no answer, ever
        return await self.inner.handle_async_request(request)


@pytest.mark.anyio
async def test_a_kill_while_sends_wait_in_the_pacer_strands_nothing(world: World) -> None:
    """16 senders, 12 reminders: two are sent, the third has left with no answer yet, nine wait
    in the pacer; then the process dies. Only the one whose request left is marked "sending"
    (held for review); the nine are plain intents, and the next run sends them, once each
    (issue 10 item 12; before the fix all ten unsent ones were held for review for ever)."""
    for n in range(12):
        contact = await world.customer(f"Customer {n}", f"98200 2{n:04d}")
        await world.invoice(contact, "5000", TODAY - timedelta(days=7))
    wire = HangsOnSend(world.sandbox.transport, 3)
    await world.restart(wire)
    pacer = JammedPacer(world.clock, free=3, expected=9)
    world.runtime.shared_object(f"whatsapp.pacer:{PHONE_NUMBER_ID}", lambda: pacer)
    recorded = record_calls(world.runtime.store.outbox, "mark_sent", 2)
    run = asyncio.ensure_future(world.run(concurrency=16))
    await pacer.all_waiting.wait()
    await wire.hanging.wait()
    await recorded.wait()  # the first two answers are in the outbox
    run.cancel()  # the process dies here: nothing after this point runs
    with pytest.raises(asyncio.CancelledError):
        await run

    outbox = world.runtime.store.outbox
    assert len(outbox.messages(state="sent")) == 2
    [held] = outbox.needs_review()
    assert (held.state, wire.left[-1]) == ("sending", held.key)
    waiting = outbox.messages(state="intent")
    assert len(waiting) == 9
    assert not {m.key for m in waiting} & set(wire.left)

    await world.restart()
    report = await world.run()
    assert report.sent == 9
    assert report.skipped == {p.ALREADY_SENT: 2, p.NEEDS_REVIEW: 1}
    assert len(recipients(world)) == 11  # (the one held for review never reached WhatsApp)
    assert set(recipients(world).values()) == {1}
