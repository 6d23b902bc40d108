"""A run killed at the two dangerous points, then run again: no duplicate, none missed.

1. after the intent is recorded, before the send: nothing reached Meta, so the next run sends;
2. after Meta accepted the message, before the outbox recorded it: the next run must not send
   it again. If the WhatsApp client had recorded the acceptance, the next run confirms it; if not
   (the process died with the answer on the wire), it is held for review, never resent blindly.
"""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from typing import Any

import httpx
import pytest

from component.reminders import plan as p
from tests.reminders.conftest import TODAY, World

NUMBERS = ["98200 10001", "98200 10002", "98200 10003"]


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
    outbox.mark_sending = kill_on_call(2, outbox.mark_sending)  # type: ignore[method-assign]
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
async def test_killed_after_the_send_before_the_record_is_confirmed_not_resent(
    world: World,
) -> None:
    await three_customers(world)
    outbox = world.runtime.store.outbox
    outbox.mark_sent = kill_on_call(2, outbox.mark_sent)  # type: ignore[method-assign]
    with pytest.raises(Killed):
        await world.run(concurrency=1)
    assert sum(recipients(world).values()) == 2  # the second one reached Meta

    await world.restart()
    report = await world.run()
    # the WhatsApp client had recorded Meta's acceptance: the rerun confirms it as sent
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
