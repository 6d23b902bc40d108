"""Another process confirms a live run's message before the run records it: the run goes on.

Two `xero-wa remind` runs of one organisation on one store (test_store_commands.py) crashed about
once in 30 under load with ``ValueError: outbox message 'rem-…' is sent, expected one of
('sending', 'unknown')``: between Meta's answer (which the WhatsApp client records at once) and
the sending run's own ``sent``, the second run's start-up ``reconcile`` took the ``sending`` row
for a killed run's and confirmed it. The record and ``sent`` now commit together, so a reconcile
finds no such row; but Meta's status webhook (``resolve``, in `xero-wa serve`) can still come
before the run commits the answer, or before a lost answer's timeout. Here the other process's
write is put exactly in that gap (no timing): the message counts as sent, once, and the run ends
normally.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import AsyncIterator
from datetime import timedelta

import httpx
import pytest

from component.reminders.report import Report
from component.reminders.run import reconcile
from component.runtime import Runtime
from tests.reminders.conftest import TODAY, World
from tests.storage import postgres_backends

# Every test here runs on SQLite and on PostgreSQL (tests/storage/postgres_backends.py).
settings = postgres_backends.settings
store_backend = postgres_backends.store_backend


@pytest.fixture
async def other(world: World) -> AsyncIterator[Runtime]:
    """A second process on the same store (another run starting, or `xero-wa serve`)."""
    runtime = Runtime(
        settings=world.sandbox.settings,
        registry=world.runtime.registry,
        transport=world.sandbox.transport,
        clock=world.sandbox.clock,
    )
    yield runtime
    await runtime.aclose()


async def three_customers(world: World) -> None:
    for n in range(3):
        contact = await world.customer(f"Customer {n}", f"98200 1000{n + 1}")
        await world.invoice(contact, "5000", TODAY - timedelta(days=7 + n))


def recipients(world: World) -> Counter[str]:
    return Counter(m["to"] for m in world.messages())


class StatusBeforeTheAnswer(httpx.AsyncBaseTransport):
    """Meta accepts the first send and its status webhook reaches the other process (which settles
    the message) before the answer reaches the run; then the answer arrives, or is lost (a read
    timeout) when ``lose_answer``."""

    def __init__(
        self, inner: httpx.AsyncBaseTransport, other: Runtime, *, lose_answer: bool
    ) -> None:
        self.inner, self.other, self.lose_answer, self.settled = inner, other, lose_answer, False

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self.inner.handle_async_request(request)
        sent = request.method == "POST" and request.url.path.endswith("/messages")
        if sent and not self.settled:
            self.settled = True
            await response.aread()
            wamid = response.json()["messages"][0]["id"]
            key = json.loads(request.content)["biz_opaque_callback_data"]
            assert self.other.store.outbox.resolve(key, wamid)  # inbound.py's "sent" status
            if self.lose_answer:
                raise httpx.ReadTimeout("no answer")
        return response


@pytest.mark.anyio
@pytest.mark.parametrize("lose_answer", [False, True], ids=["answer-kept", "answer-lost"])
async def test_a_status_webhook_before_the_run_commits_the_answer_leaves_the_message_sent(
    world: World, other: Runtime, lose_answer: bool
) -> None:
    """Answer kept: the run's own "sent" finds the message sent already. Answer lost: the
    webhook proved it sent, so it is not held for review."""
    await three_customers(world)
    wire = StatusBeforeTheAnswer(world.sandbox.transport, other, lose_answer=lose_answer)
    await world.restart(wire)
    report = await world.run(concurrency=1)  # before the fix: ValueError "is sent, expected …"

    assert wire.settled
    assert report.sent == 3
    assert report.failed == {}
    assert report.review == []
    assert set(recipients(world).values()) == {1}
    assert len(recipients(world)) == 3
    outbox = world.runtime.store.outbox
    sent = outbox.messages(state="sent")
    assert len(sent) == 3
    wamids = {m["biz_opaque_callback_data"]: m["id"] for m in world.messages()}
    assert {m.key: m.message_id for m in sent} == wamids
    assert outbox.needs_review() == []
    assert reconcile(other, Report("other-run", dry_run=False)) == 0  # nothing left to confirm
