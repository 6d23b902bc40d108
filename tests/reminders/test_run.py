"""Reminder runs on the sandbox: what customers receive, what is skipped and why, what it costs."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from component import collector
from component.config import Settings
from component.registry import Registry
from component.reminders import plan as p
from component.reminders.run import reconcile
from tests.reminders.conftest import TODAY, World, make_policy
from tests.storage import postgres_backends

# Every test that takes the ``world`` runs on SQLite and on PostgreSQL
# (tests/storage/postgres_backends.py).
settings = postgres_backends.settings
store_backend = postgres_backends.store_backend

ONLINE_INVOICE = "GET /api.xro/2.0/Invoices/{InvoiceID}/OnlineInvoice"
LIST_INVOICES = "GET /api.xro/2.0/Invoices"


def bodies(world: World) -> list[str]:
    return [m["template"]["rendered_body"] for m in world.messages()]


@pytest.mark.anyio
async def test_a_reminder_reaches_the_customer_once(world: World) -> None:
    priya = await world.customer("Priya Textiles", "98200 12345")
    await world.invoice(priya, "48500", TODAY - timedelta(days=7))

    first = await world.run()
    assert (first.sent, first.failed, first.review) == (1, {}, [])
    [message] = world.messages()
    assert message["to"] == "+919820012345"
    assert message["template"]["name"] == "payment_reminder"
    assert message["template"]["rendered_body"] == (
        "Hello Priya Textiles, invoice INV-0001 for ₹48,500.00 was due on 7 July 2026 and is now "
        "7 days overdue. Please pay at your earliest convenience."
    )
    assert message["template"]["button_suffix"]  # the "View and pay" link

    second = await world.run()
    assert second.sent == 0
    assert second.skipped == {p.ALREADY_SENT: 1}
    assert len(world.messages()) == 1


@pytest.mark.anyio
async def test_several_overdue_invoices_make_one_message_with_numbers_and_total(
    world: World,
) -> None:
    priya = await world.customer("Priya Textiles")
    ids = [
        await world.invoice(priya, amount, TODAY - timedelta(days=days))
        for days, amount in ((2, "10000"), (9, "25000.50"), (31, "85000"))
    ]

    report = await world.run()
    assert (report.sent, report.sent_invoices) == (1, 3)
    assert bodies(world) == [
        "Hello Priya Textiles, this is a reminder about your unpaid invoices totalling "
        "₹1,20,000.50: 3 overdue (INV-0003, INV-0002, INV-0001). "
        "Please pay at your earliest convenience."
    ]
    # the button opens the most overdue invoice's online invoice
    link = world.runtime.store.paylinks.get(world.tenant_id, ids[2])
    assert link is not None
    assert link.url is not None
    assert link.url.endswith(world.messages()[0]["template"]["button_suffix"])
    # each (invoice, stage) is recorded: none of them goes out again at this stage
    again = await world.run()
    assert again.skipped == {p.ALREADY_SENT: 3}
    assert len(world.messages()) == 1


@pytest.mark.anyio
async def test_the_next_stage_goes_out_when_it_is_reached(world: World) -> None:
    priya = await world.customer("Priya Textiles")
    await world.invoice(priya, "48500", TODAY - timedelta(days=7))
    await world.run()
    world.clock.advance(7 * 86_400)  # a week later: 14 days overdue
    report = await world.run()
    assert report.sent == 1
    assert [
        m["template"]["rendered_body"].split(" and is now ")[1][:15] for m in world.messages()
    ] == [
        "7 days overdue.",
        "14 days overdue",
    ]


@pytest.mark.anyio
async def test_the_pay_link_is_fetched_once_per_invoice_ever(world: World) -> None:
    priya = await world.customer("Priya Textiles")
    await world.invoice(priya, "48500", TODAY - timedelta(days=7))
    await world.run()
    world.clock.advance(7 * 86_400)
    await world.run()
    world.clock.advance(16 * 86_400)
    await world.run()
    assert len(world.messages()) == 3
    assert world.sandbox.state.calls.calls[ONLINE_INVOICE] == 1
    suffixes = {m["template"]["button_suffix"] for m in world.messages()}
    assert len(suffixes) == 1


@pytest.mark.anyio
async def test_listing_costs_pages_not_invoices(world: World) -> None:
    for n in range(12):
        contact = await world.customer(f"Customer {n}", f"98200 100{n:02d}")
        await world.invoice(contact, "5000", TODAY - timedelta(days=3 + n))
    report = await world.run(make_policy(historyNotes={"enabled": False}))
    assert report.sent == 12
    calls = report.xero.by_purpose
    assert (calls["organisation"], calls["invoices"], calls["contacts"]) == (1, 1, 1)
    assert calls["pay_links"] == 12
    assert world.sandbox.state.calls.calls[LIST_INVOICES] == 1
    # a later run: the contacts cache refresh asks only for what changed
    again = await world.run()
    assert again.xero.by_purpose["contacts"] == 1
    assert again.xero.by_purpose["pay_links"] == 0


@pytest.mark.anyio
async def test_quiet_hours_send_nothing_and_spend_no_listing(world: World) -> None:
    priya = await world.customer("Priya Textiles")
    await world.invoice(priya, "48500", TODAY - timedelta(days=7))
    world.clock.set(datetime.fromisoformat("2026-07-14T15:00:00+00:00"))  # 20:30 in Mumbai
    report = await world.run()
    assert report.sent == 0
    assert world.messages() == []
    assert "quiet hours 20:00–09:00" in report.warnings[0]
    assert report.xero.by_purpose.get("invoices", 0) == 0
    world.clock.set(datetime.fromisoformat("2026-07-15T04:00:00+00:00"))  # 09:30 the next day
    assert (await world.run()).sent == 1


@pytest.mark.anyio
async def test_a_weekend_is_not_a_business_day(world: World) -> None:
    priya = await world.customer("Priya Textiles")
    await world.invoice(priya, "48500", TODAY - timedelta(days=7))
    world.clock.set(datetime.fromisoformat("2026-07-18T06:00:00+00:00"))  # Saturday
    report = await world.run()
    assert report.sent == 0
    assert "Saturday 18 July 2026 is not a business day" in report.warnings[0]


@pytest.mark.anyio
async def test_a_dry_run_shows_the_plan_and_sends_nothing(world: World) -> None:
    priya = await world.customer("Priya Textiles")
    await world.invoice(priya, "48500", TODAY - timedelta(days=7))
    office = await world.customer("Office Only", "022 2345 6789")
    await world.invoice(office, "9000", TODAY - timedelta(days=7))

    report = await world.run(dry_run=True)
    assert report.planned == 1
    assert report.sent == 0
    assert world.messages() == []
    planned = [e for e in report.entries if e.outcome == "planned"]
    assert planned[0].summary == "overdue_7 · INV-0001 · ₹48,500.00"
    assert planned[0].recipient == "+919820012345"
    skipped = [e for e in report.entries if e.outcome == "skipped"]
    assert skipped[0].reason == p.NO_NUMBER
    assert "landline" in skipped[0].detail
    assert world.runtime.store.outbox.messages() == []
    assert (await world.run()).sent == 1  # the real run after it is unaffected


@pytest.mark.anyio
async def test_stop_replies_opt_out_and_start_opts_back_in(world: World) -> None:
    priya = await world.customer("Priya Textiles", "98200 12345")
    await world.invoice(priya, "48500", TODAY - timedelta(days=7))
    optouts = world.runtime.store.optouts
    optouts.add_phone("919820012345", reason="replied STOP")  # wa_id form, without "+"
    report = await world.run()
    assert report.skipped == {p.OPTED_OUT: 1}
    assert world.messages() == []
    [entry] = report.entries
    assert entry.detail == "replied STOP (whatsapp_reply)"
    assert optouts.remove_phone("+919820012345")
    assert (await world.run()).sent == 1


@pytest.mark.anyio
async def test_a_contact_opted_out_by_an_operator_gets_nothing(world: World) -> None:
    priya = await world.customer("Priya Textiles")
    await world.invoice(priya, "48500", TODAY - timedelta(days=7))
    world.runtime.store.optouts.add_contact(world.tenant_id, priya, reason="asked by phone")
    report = await world.run()
    assert report.skipped == {p.OPTED_OUT: 1}


@pytest.mark.anyio
async def test_a_paid_invoice_stopped_by_the_service_gets_nothing_more(world: World) -> None:
    priya = await world.customer("Priya Textiles")
    invoice_id = await world.invoice(priya, "48500", TODAY - timedelta(days=7))
    world.runtime.store.outbox.stop_subject(world.tenant_id, invoice_id.lower(), "paid")
    report = await world.run()
    assert report.skipped == {p.STOPPED: 1}
    assert world.messages() == []


@pytest.mark.anyio
async def test_without_budget_for_links_the_reminder_waits_for_a_later_run(world: World) -> None:
    priya = await world.customer("Priya Textiles")
    await world.invoice(priya, "48500", TODAY - timedelta(days=7))
    policy = make_policy(xeroBudget={"reserveCalls": 5000})  # keep the whole day in reserve
    report = await world.run(policy)
    assert (report.sent, report.skipped) == (0, {p.NO_PAY_LINK: 1})
    assert report.xero.by_purpose["pay_links"] == 0
    [entry] = report.entries
    assert entry.detail.startswith("only ")
    assert entry.detail.endswith("(reserve 5000)")
    assert world.messages() == []
    assert (await world.run()).sent == 1  # with budget, the next run sends it


@pytest.mark.anyio
async def test_when_missing_skip_waits_for_a_later_run(world: World) -> None:
    priya = await world.customer("Priya Textiles")
    await world.invoice(priya, "48500", TODAY - timedelta(days=7))
    policy = make_policy(payLinks={"enabled": False, "whenMissing": "skip"})
    report = await world.run(policy)
    assert report.skipped == {p.NO_PAY_LINK: 1}
    assert world.messages() == []
    assert (await world.run()).sent == 1  # not consumed: the default policy sends it


@pytest.mark.anyio
async def test_history_notes_show_the_reminder_in_xero(world: World) -> None:
    priya = await world.customer("Priya Textiles")
    invoice_id = await world.invoice(priya, "48500", TODAY - timedelta(days=7))
    report = await world.run()
    assert report.notes == 1
    history = await world.client.get_json(f"/Invoices/{invoice_id}/History")
    details = [h["Details"] for h in history["HistoryRecords"]]
    wamid = world.messages()[0]["id"]
    assert f"WhatsApp reminder overdue_7 sent to +919820012345, message {wamid}" in details


@pytest.mark.anyio
async def test_invoices_not_due_or_too_small_are_left_alone(world: World) -> None:
    priya = await world.customer("Priya Textiles")
    await world.invoice(priya, "48500", TODAY + timedelta(days=10))  # not due for 10 days
    await world.invoice(priya, "50", TODAY - timedelta(days=7))  # under the ₹100 minimum
    await world.invoice(priya, "900", TODAY - timedelta(days=7), status="DRAFT")
    report = await world.run()
    assert report.sent == 0
    assert report.skipped == {p.BELOW_MINIMUM: 1}
    assert report.tenants[0]["listed"] == 1


@pytest.mark.anyio
async def test_reconcile_confirms_a_recorded_acceptance(world: World) -> None:
    outbox = world.runtime.store.outbox
    from component.storage.outbox_reads import Item

    outbox.claim("rem-x", kind="reminder", items=[Item(world.tenant_id, "inv", "overdue_7")])
    outbox.mark_sending("rem-x")
    world.runtime.store.messages.record_sent(
        "wamid.A", "+919820012345", callback_data="rem-x", sent_at=world.clock.now()
    )
    from component.reminders.report import Report

    assert reconcile(world.runtime, Report("r", False)) == 1
    assert outbox.get("rem-x").state == "sent"  # type: ignore[union-attr]


@pytest.mark.anyio
async def test_all_tenants_of_a_connection(settings: Settings, registry: Registry) -> None:
    from component import sessions
    from component.clock import FakeClock
    from component.reminders.run import RunOptions, run_reminders
    from component.runtime import Runtime
    from component.sandbox.config import DemoConfig, SandboxConfig, TenantSpec
    from component.sandbox.embedded import DEMO_SCOPES, embedded
    from tests.reminders.conftest import NOW

    tenants = [
        TenantSpec(name="Mumbai Traders (IN)", contacts=8, invoices=30),
        TenantSpec(
            name="Auckland Traders (NZ)",
            country="NZ",
            base_currency="NZD",
            timezone="NEWZEALANDSTANDARDTIME",
            contacts=8,
            invoices=30,
        ),
    ]
    config = SandboxConfig(demo=DemoConfig(today=TODAY, tenants=tenants))
    sandbox = embedded(settings, clock=FakeClock(NOW), config=config)
    runtime = Runtime(
        settings=sandbox.settings,
        registry=registry,
        transport=sandbox.transport,
        clock=sandbox.clock,
    )
    # an authorisation-code token reaching both organisations (a custom connection reaches one)
    state = sandbox.state
    token = state.xero.tokens.mint(state.config.xero.client_id, list(state.xero.orgs), DEMO_SCOPES)
    value = {"type": "xeroToken", "accessToken": token["access_token"], "tenantId": "x"}
    xero = await sessions.resolve(runtime, value, "xero")
    whatsapp = await sessions.resolve(runtime, sandbox.demo_connections["whatsapp"], "whatsapp")
    report = await run_reminders(
        runtime, xero, whatsapp, RunOptions(make_policy(), tenants=("all",), dry_run=True)
    )
    await runtime.aclose()
    assert [(t["name"], t["timeZone"]) for t in report.tenants] == [
        ("Mumbai Traders (IN)", "Asia/Calcutta"),
        ("Auckland Traders (NZ)", "Pacific/Auckland"),
    ]
    assert report.planned > 0


def test_a_run_keeps_half_a_second_of_the_whatsapp_rate_in_flight() -> None:
    """A message waits for three group commits and its request between claim and outcome; 16
    senders held 1,000/s numbers to 65/s. Bounded both ways: never fewer than 16, and a huge
    rate (limits removed) does not claim thousands of messages ahead of the pacer."""
    from component.reminders.run import in_flight

    assert in_flight(80) == 40
    assert in_flight(1000) == 500
    assert in_flight(10) == 16
    assert in_flight(100_000) == 512


@pytest.mark.anyio
async def test_the_collector_settles_before_the_first_send(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A full collection of the set-up's objects during the sends paused them and let them leave
    as a burst (a 130429 at the cap): the job settles the collector before its first send."""
    sent_when_settled: list[int] = []
    monkeypatch.setattr(
        collector, "settle", lambda: sent_when_settled.append(len(world.messages()))
    )
    priya = await world.customer("Priya Textiles")
    await world.invoice(priya, "48500", TODAY - timedelta(days=7))

    report = await world.run()

    assert report.sent == 1
    assert sent_when_settled == [0]
