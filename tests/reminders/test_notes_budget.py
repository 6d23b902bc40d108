"""Issue 13 target 4: optional Xero calls (pay links, History notes) stay within the day's share
of the budget; History notes wait in a durable queue, carried over to later days (and across
restarts), until every one is written."""

from __future__ import annotations

from datetime import timedelta

import pytest

from component.notify.notes import queue_notes, sent_note
from component.reminders import plan as p
from component.reminders.report import Report
from component.storage.notes_queue import NotesQueueRepo, OptionalCallsDailyRepo
from component.xero.client import XeroClient
from tests.reminders.conftest import TODAY, World, make_policy
from tests.storage import postgres_backends

# Every test that takes the ``world`` runs on SQLite and on PostgreSQL
# (tests/storage/postgres_backends.py).
settings = postgres_backends.settings
store_backend = postgres_backends.store_backend

pytestmark = pytest.mark.anyio

#: 0.2% of the shipped 5,000 calls a day: 10 optional calls a day.
SHARE = 0.002
PER_DAY = 10


def optional(report: Report) -> int:
    calls = report.xero.by_purpose
    return calls["pay_links"] + calls["history_notes"]


async def notes_in_xero(world: World, invoice_ids: list[str]) -> int:
    written = 0
    for invoice_id in invoice_ids:
        history = await world.client.get_json(f"/Invoices/{invoice_id}/History")
        details = [h["Details"] for h in history["HistoryRecords"]]
        written += sum(d.startswith("WhatsApp reminder overdue_7 sent to ") for d in details)
    return written


async def test_notes_beyond_the_day_s_share_are_written_on_later_days(world: World) -> None:
    invoices = []
    for n in range(12):
        contact = await world.customer(f"Customer {n:02d}", f"98200 {10000 + n}")
        invoices.append(await world.invoice(contact, "1000", TODAY - timedelta(days=7)))
    policy = make_policy(xeroBudget={"reserveCalls": 0, "optionalShare": SHARE})
    tenant = world.tenant_id
    queue = NotesQueueRepo(world.runtime.store)

    first = await world.run(policy)  # day 1: links for today's messages come first
    assert (first.sent, first.skipped) == (10, {p.NO_PAY_LINK: 2})
    assert (first.xero.by_purpose["pay_links"], first.notes) == (10, 0)
    assert queue.pending(tenant) == 10
    assert any("10 History note(s) wait in the queue" in w for w in first.warnings)

    world.clock.advance(86_400)  # day 2, in a new process
    await world.restart()
    second = await world.run(policy)
    assert (second.sent, second.xero.by_purpose["pay_links"], second.notes) == (2, 2, 8)
    assert NotesQueueRepo(world.runtime.store).pending(tenant) == 4

    world.clock.advance(86_400)  # day 3
    third = await world.run(policy)
    assert (third.sent, third.notes) == (0, 4)
    assert NotesQueueRepo(world.runtime.store).pending(tenant) == 0
    assert not any("wait in the queue" in w for w in third.warnings)

    assert [optional(r) for r in (first, second, third)] == [PER_DAY, PER_DAY, 4]
    assert await notes_in_xero(world, invoices) == 12  # every note, once
    daily = OptionalCallsDailyRepo(world.runtime.store)
    used = [daily.used(tenant, TODAY + timedelta(days=d)) for d in range(3)]
    assert used == [PER_DAY, PER_DAY, 4]


async def test_the_share_holds_across_runs_of_one_day(world: World) -> None:
    for n in range(6):
        contact = await world.customer(f"Customer {n:02d}", f"98200 {20000 + n}")
        await world.invoice(contact, "1000", TODAY - timedelta(days=7))
    policy = make_policy(xeroBudget={"reserveCalls": 0, "optionalShare": SHARE})

    first = await world.run(policy)
    second = await world.run(policy)  # later the same day: only what the share has left

    assert (optional(first), optional(second)) == (10, 0)
    assert (first.sent + second.sent, first.notes + second.notes) == (6, 4)
    assert any("today's share of 10 optional Xero calls is used up" in w for w in second.warnings)


async def test_a_note_is_queued_once_and_the_queue_survives_a_restart(world: World) -> None:
    contact = await world.customer("Priya Textiles")
    invoice = await world.invoice(contact, "48500", TODAY - timedelta(days=7))
    note = sent_note("reminder overdue_7", "reminder:k1", invoice, "+919820012345", "wamid.1")

    client = XeroClient(world.runtime, world.xero.with_tenant(world.tenant_id))
    assert queue_notes(client, [note, note]) == 1
    assert queue_notes(client, [note]) == 0
    await world.restart()
    [queued] = NotesQueueRepo(world.runtime.store).oldest(world.tenant_id, 10)
    assert (queued.invoice_id, queued.idempotency_key) == (invoice, note.idempotency_key)


async def test_the_shipped_policy_spends_a_fifth_of_the_day_at_most() -> None:
    from component.reminders.policy import load_policy

    assert load_policy().xero_budget.optional_share == 0.2
