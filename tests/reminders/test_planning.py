"""Contacts are planned in batches in a worker thread, a batch ahead of the sends
(``component.reminders.planning``): customers get the same messages, in the same order, with
the same skips, whatever the batch size; a failure while planning ends the run with that error,
like any other, without hanging it or losing the messages already sent."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from component.reminders import plan as p
from component.reminders import planning
from tests.reminders.conftest import TODAY, World
from tests.storage import postgres_backends

# Every test here runs on SQLite and on PostgreSQL (tests/storage/postgres_backends.py).
settings = postgres_backends.settings
store_backend = postgres_backends.store_backend


class Boom(Exception):
    """A bug in planning."""


async def seven_customers(world: World) -> dict[str, str]:
    """Seven customers (contact id → mobile): one without a mobile, one with an invoice below the
    minimum besides its others, the others with one to three overdue invoices."""
    mobiles: dict[str, str] = {}
    for n in range(7):
        mobile = None if n == 3 else f"98200 200{n:02d}"
        contact = await world.customer(f"Customer {n}", mobile)
        for k in range(1 + n % 3):
            await world.invoice(contact, str(1000 + 10 * n + k), TODAY - timedelta(days=7 + k))
        if n == 5:
            await world.invoice(contact, "50", TODAY - timedelta(days=8))  # INR 100 at least
        if mobile is not None:
            mobiles[contact] = "+91" + mobile.replace(" ", "")
    return mobiles


def in_candidate_order(mobiles: dict[str, str]) -> list[str]:
    """The recipients in the order contacts are planned (their ids, lower case)."""
    return [mobiles[c] for c in sorted(mobiles, key=str.lower)]


@pytest.mark.anyio
@pytest.mark.parametrize(("batch", "invoices"), [(1, 500), (2, 500), (3, 500), (50, 500), (50, 2)])
async def test_batches_of_any_size_send_the_same_messages_in_the_same_order(
    world: World, monkeypatch: pytest.MonkeyPatch, batch: int, invoices: int
) -> None:
    """``invoices``: a batch ends once its contacts have that many (2: customers with three
    invoices are planned alone, the others in twos or alone)."""
    mobiles = await seven_customers(world)
    monkeypatch.setattr(planning, "BATCH", batch)
    monkeypatch.setattr(planning, "BATCH_INVOICES", invoices)

    report = await world.run(concurrency=1)  # one sender: messages go in the planned order

    assert [m["to"] for m in world.messages()] == in_candidate_order(mobiles)
    assert (report.sent, report.sent_invoices) == (6, 12)
    assert report.skipped == {p.NO_NUMBER: 1, p.BELOW_MINIMUM: 1}
    skipped = [(e.contact, e.reason) for e in report.entries if e.outcome == "skipped"]
    assert sorted(skipped) == [("Customer 3", p.NO_NUMBER), ("Customer 5", p.BELOW_MINIMUM)]

    again = await world.run(concurrency=1)  # the outbox's states are read batch by batch too
    assert again.sent == 0
    assert again.skipped == {p.ALREADY_SENT: 12, p.NO_NUMBER: 1, p.BELOW_MINIMUM: 1}


@pytest.mark.anyio
async def test_a_failure_while_planning_ends_the_run_with_it_and_the_rerun_sends_the_rest(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    mobiles = await seven_customers(world)
    monkeypatch.setattr(planning, "BATCH", 2)
    original = p.plan_contact
    calls = {"count": 0}

    def fails_on_the_fifth(*args: Any) -> p.ContactPlan:  # in the third batch
        calls["count"] += 1
        if calls["count"] == 5:
            raise Boom("planning failed")
        return original(*args)

    monkeypatch.setattr(p, "plan_contact", fails_on_the_fifth)
    with pytest.raises(Boom):
        await world.run(concurrency=1)
    first = [m["to"] for m in world.messages()]
    assert first == in_candidate_order(mobiles)[: len(first)]  # at most the first batches' own
    assert world.runtime.store.outbox.needs_review() == []

    monkeypatch.setattr(p, "plan_contact", original)
    report = await world.run(concurrency=1)
    assert report.sent == 6 - len(first)
    assert sorted(m["to"] for m in world.messages()) == sorted(mobiles.values())  # once each
