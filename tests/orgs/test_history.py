"""What the product did: ``runs``, ``history``, ``optouts``, ``schedule`` and the dashboard's
queries, after scheduled reminder runs on the three-organisation sandbox."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from component.history.views import upcoming
from component.orgs.change import OrgChanges, apply_changes
from component.orgs.defaults import OrgDefaults
from tests.cli_support import CliOutcome
from tests.orgs.stack import AU, IN, NZ, MultiStack, connect_everything
from tests.storage import postgres_backends

# Every test here runs on SQLite and on PostgreSQL (tests/storage/postgres_backends.py): the
# service and the commands share the run's store.
settings = postgres_backends.settings
store_backend = postgres_backends.store_backend
api_settings = postgres_backends.api_settings
store_env = postgres_backends.store_env

pytestmark = pytest.mark.anyio
Cli = Callable[..., CliOutcome]
WEDNESDAY_10_IST = datetime(2026, 7, 15, 4, 30, 10, tzinfo=UTC)


async def run(cli: Cli, *argv: str) -> CliOutcome:
    """The synchronous CLI (it runs its own event loop) from these async tests."""
    return await asyncio.to_thread(cli, *argv)


@pytest.fixture
async def ran(make_multi: Callable[..., Any], cli_home: object, store_env: object) -> MultiStack:
    """Both logins connected, then Wednesday's scheduled runs, and Meta's statuses back."""
    stack: MultiStack = await make_multi()
    await connect_everything(stack)
    scheduler = stack.service.state.scheduler
    assert scheduler is not None
    stack.clock.set(WEDNESDAY_10_IST)
    await scheduler.tick()
    stack.clock.advance(60)
    await stack.deliver()
    return stack


async def test_runs_lists_each_scheduled_run_with_its_counts(ran: MultiStack, cli: Cli) -> None:
    result = await run(cli, "runs", "--json")
    assert result.code == 0, result.err
    runs = {r["organisation"]: r for r in result.json}
    assert sorted(runs) == [AU, IN, NZ]
    india = runs[IN]
    assert (india["trigger"], india["job"], india["state"]) in {
        ("schedule", "reminders", "ok"),
        ("schedule", "reminders", "attention"),
    }
    assert india["slot"] == "2026-07-15T04:30:00.000000Z"
    assert india["startedAt"].startswith("2026-07-15T04:30:10")
    assert india["finishedAt"] is not None
    assert india["counts"]["sent"] > 0
    assert india["xeroCalls"] > 0
    assert sum(india["skippedByReason"].values()) == india["counts"]["skipped"]
    only = (await run(cli, "runs", "--org", "demo company (nz)", "--json")).json
    assert [r["organisation"] for r in only] == [NZ]
    table = await run(cli, "runs")
    assert table.code == 0
    assert "3 runs" in table.out


async def test_history_by_invoice_number_and_by_contact(ran: MultiStack, cli: Cli) -> None:
    store = ran.service.runtime.store
    reminder = next(m for m in store.outbox.messages(state="sent") if m.kind == "reminder")
    invoice = reminder.details["invoices"][0]
    contact = reminder.details["contact"]
    result = await run(cli, "history", "--invoice", invoice["number"].lower(), "--json")
    assert result.code == 0, result.err
    (found,) = [t for t in result.json if t["invoice"]["tenantId"] == reminder.tenant_id]
    assert found["invoice"]["contact"] == contact
    steps = [s["event"] for s in found["timeline"]]
    assert steps[0] == "reminder sent"
    assert {"delivered", "read"} <= set(steps)
    text = await run(cli, "history", "--invoice", invoice["number"])
    assert f"{invoice['number']} · {contact}" in text.out
    assert "reminder sent" in text.out
    by_contact = await run(cli, "history", "--contact", contact, "--json")
    assert by_contact.code == 0
    (person,) = [c for c in by_contact.json if c["contact"]["tenantId"] == reminder.tenant_id]
    assert invoice["number"] in person["contact"]["invoices"]
    assert any(s.get("messageId") == reminder.message_id for s in person["timeline"])


async def test_history_of_an_unknown_invoice_names_the_closest(ran: MultiStack, cli: Cli) -> None:
    store = ran.service.runtime.store
    reminder = next(m for m in store.outbox.messages(state="sent") if m.kind == "reminder")
    number = reminder.details["invoices"][0]["number"]
    result = await run(cli, "history", "--invoice", number + "9")
    assert result.code == 2
    assert f"no invoice named or with the id '{number}9'; closest: " in result.error["message"]


async def test_optouts_by_phone_contact_and_user_id(ran: MultiStack, cli: Cli) -> None:
    store = ran.service.runtime.store
    reminder = next(m for m in store.outbox.messages(state="sent") if m.kind == "reminder")
    contact = reminder.details["contact"]
    added = await run(
        cli, "optouts", "add", "--phone", "+91 98200 12345", "--reason", "asked by phone"
    )
    assert added.json["data"] == {"optedOut": {"phone": "+919820012345"}}
    by_contact = await run(cli, "optouts", "add", "--contact", contact)
    assert by_contact.code == 0, by_contact.err
    assert by_contact.json["data"]["optedOut"]["tenantId"] == reminder.tenant_id
    assert (await run(cli, "optouts", "add", "--user-id", "IN.1502576394655843")).code == 0
    listed = (await run(cli, "optouts", "--json")).json
    assert sorted((o["scope"], o.get("name")) for o in listed) == sorted(
        [("contact", contact), ("phone", None), ("user_id", None)]
    )
    assert store.optouts.is_opted_out(reminder.tenant_id, reminder.contact_id, None) is not None
    removed = await run(cli, "optouts", "remove", "--phone", "+919820012345")
    assert removed.json["data"]["wasOptedOut"] is True
    nobody = await run(cli, "optouts", "add", "--contact", "Nobody At All")
    assert nobody.code == 2
    assert "no contact named or with the id 'Nobody At All'" in nobody.error["message"]


async def test_schedule_shows_each_organisations_next_run_in_its_zone(
    ran: MultiStack, cli: Cli
) -> None:
    apply_changes(ran.service.runtime, OrgDefaults(), AU, OrgChanges(reminders="off"))
    rows = {r["organisation"]: r for r in upcoming(ran.service.runtime, OrgDefaults())}
    assert rows[IN]["nextRun"] == "2026-07-16T04:30:00+00:00"
    assert rows[IN]["local"] == "Thu 16 Jul 10:00 IST"
    assert rows[NZ]["nextRun"] == "2026-07-15T22:00:00+00:00"  # Thursday 10:00 in Auckland
    assert (rows[AU]["nextRun"], rows[AU]["why"]) == (None, "reminders are off")
    # the command shows the same, from the real clock's now
    shown = {r["organisation"]: r for r in (await run(cli, "schedule", "--json")).json}
    assert shown[IN]["local"].endswith("10:00 IST")
    assert shown[AU]["why"] == "reminders are off"
    table = await run(cli, "schedule")
    assert "next scheduled runs" in table.out


async def test_the_dashboard_queries(ran: MultiStack) -> None:
    runtime = ran.service.runtime
    store = runtime.store
    activity = store.activity
    since, until = WEDNESDAY_10_IST - timedelta(hours=1), WEDNESDAY_10_IST + timedelta(days=1)
    runs = store.runs.list()
    sent_invoices = sum(int(r.summary.get("sentInvoices") or 0) for r in runs)
    funnel = activity.funnel(since, until)
    assert funnel.sent == sent_invoices > 0
    assert funnel.delivered == funnel.read == funnel.sent  # the sandbox reads everything
    assert funnel.eligible >= funnel.sent
    assert funnel.paid_within_7_days == 0
    days = activity.daily_sends(since, until)
    assert days == {"2026-07-15": {"reminder": sum(r.sent for r in runs)}}
    skips = activity.skips_by_reason(since, until)
    assert sum(skips.values()) == sum(r.skipped for r in runs)
    india = ran.tenant(IN)
    india_only = activity.funnel(since, until, india)
    assert 0 < india_only.sent < funnel.sent
    assert activity.xero_calls_since(since) == sum(r.xero_calls for r in runs)
    # a reminded invoice is paid two days later: the worker sees it and the funnel counts it
    reminder = next(m for m in store.outbox.messages(state="sent") if m.kind == "reminder")
    invoice_id = reminder.details["invoices"][0]["id"]
    ran.clock.advance(2 * 86_400)
    body = await ran.control(
        "/xero/invoices", {"Invoices": [{"InvoiceID": invoice_id}]}, tenantId=reminder.tenant_id
    )
    amount = body["Invoices"][0]["AmountDue"]
    payment = {
        "Invoice": {"InvoiceID": invoice_id},
        "Account": {"Code": "090"},
        "Date": "2026-07-17",
        "Amount": amount,
    }
    await ran.control("/xero/payments", {"Payments": [payment]}, tenantId=reminder.tenant_id)
    await ran.deliver()
    await ran.service.worker.drain()
    fact = store.invoice_facts.get(reminder.tenant_id, invoice_id)
    assert fact is not None
    assert (fact.status, fact.paid_on) == ("PAID", "2026-07-17")
    after = activity.funnel(since, until)
    assert (after.paid_within_7_days, after.paid_within_30_days) == (1, 1)
    assert activity.parked_events() == []
