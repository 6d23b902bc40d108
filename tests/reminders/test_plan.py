"""Planning one contact: each rule that keeps an invoice out of a message, and the grouping."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from component.reminders import plan as p
from component.reminders.policy import load_policy
from component.storage.outbox_reads import Item
from component.storage.reminder_cache import CachedContact, Candidate

POLICY = load_policy()
TODAY = date(2026, 7, 14)
PRIYA = CachedContact(
    "c-1", "Priya Textiles", [{"PhoneType": "MOBILE", "PhoneNumber": "98200 12345"}]
)


def invoice(number: str, days: int, amount: str = "48500", currency: str = "INR") -> Candidate:
    return Candidate(
        "t-1",
        "c-1",
        f"id-{number}",
        number,
        "Priya Textiles",
        TODAY - timedelta(days=days),
        Decimal(amount),
        currency,
    )


def ctx(**kw: Any) -> p.PlanContext:
    return p.PlanContext(policy=POLICY, tenant_id="t-1", as_of=TODAY, default_region="IN", **kw)


def test_one_invoice_one_message_at_its_latest_stage() -> None:
    plan = p.plan_contact(ctx(), [invoice("INV-1", 14)], PRIYA)
    assert plan.skips == []
    assert plan.message is not None
    assert plan.message.recipient == "+919820012345"
    assert [(d.stage.key, d.days) for d in plan.message.dues] == [("overdue_14", 14)]
    assert not plan.message.combined


def test_several_invoices_of_a_contact_make_one_combined_message() -> None:
    plan = p.plan_contact(
        ctx(), [invoice("INV-1", 1), invoice("INV-2", 9), invoice("INV-3", 40)], PRIYA
    )
    assert plan.message is not None
    assert plan.message.combined
    assert plan.message.items == [
        Item("t-1", "id-INV-1", "overdue_1"),
        Item("t-1", "id-INV-2", "overdue_7"),
        Item("t-1", "id-INV-3", "final"),
    ]


def test_the_outbox_key_depends_only_on_the_items() -> None:
    a = p.plan_contact(ctx(), [invoice("INV-1", 1), invoice("INV-2", 9)], PRIYA).message
    b = p.plan_contact(ctx(), [invoice("INV-2", 9), invoice("INV-1", 1)], PRIYA).message
    c = p.plan_contact(ctx(), [invoice("INV-1", 7), invoice("INV-2", 9)], PRIYA).message
    assert a is not None
    assert b is not None
    assert c is not None
    assert a.key == b.key != c.key
    assert a.key.startswith("rem-")
    assert len(a.key) < 128


def test_below_the_minimum_for_its_currency_is_skipped() -> None:
    plan = p.plan_contact(
        ctx(), [invoice("INV-1", 9, "99.99"), invoice("INV-2", 9, "2", "USD")], PRIYA
    )
    assert [(s.candidate.number, s.reason) for s in plan.skips] == [("INV-1", p.BELOW_MINIMUM)]
    assert plan.message is not None
    assert [d.candidate.number for d in plan.message.dues] == ["INV-2"]


def test_a_stage_already_in_the_outbox_is_not_sent_again() -> None:
    reasons = {
        Item("t-1", "id-INV-1", "overdue_7"): "already sent",
        Item("t-1", "id-INV-2", "overdue_7"): "outcome unknown (needs review)",
        Item("t-1", "id-INV-3", "overdue_7"): "stopped: paid",
        Item("t-1", "id-INV-4", "overdue_7"): "open",  # a killed run's intent: claim it again
    }
    candidates = [invoice(f"INV-{n}", 8) for n in range(1, 5)]
    plan = p.plan_contact(ctx(item_reason=reasons.get), candidates, PRIYA)
    assert [(s.candidate.number, s.reason) for s in plan.skips] == [
        ("INV-1", p.ALREADY_SENT),
        ("INV-2", p.NEEDS_REVIEW),
        ("INV-3", p.STOPPED),
    ]
    assert plan.message is not None
    assert [d.candidate.number for d in plan.message.dues] == ["INV-4"]


def test_a_missed_earlier_stage_is_not_sent_late() -> None:
    # overdue_7 was never sent (the job did not run that week); on day 14 only overdue_14 goes
    sent = {Item("t-1", "id-INV-1", "overdue_1"): "already sent"}
    plan = p.plan_contact(ctx(item_reason=sent.get), [invoice("INV-1", 14)], PRIYA)
    assert plan.message is not None
    assert [d.stage.key for d in plan.message.dues] == ["overdue_14"]


def test_members_of_the_opt_out_group_get_nothing() -> None:
    plan = p.plan_contact(ctx(group_opted_out=frozenset({"c-1"})), [invoice("INV-1", 9)], PRIYA)
    assert plan.message is None
    assert [(s.reason, s.detail) for s in plan.skips] == [
        (p.OPTED_OUT, "member of the Xero contact group 'No WhatsApp reminders'")
    ]


def test_a_number_that_replied_stop_gets_nothing() -> None:
    def opted_out(contact: str, phone: str | None) -> str | None:
        return "replied STOP" if phone == "+919820012345" else None

    plan = p.plan_contact(ctx(opted_out=opted_out), [invoice("INV-1", 9)], PRIYA)
    assert plan.message is None
    assert plan.skips[0].reason == p.OPTED_OUT


def test_no_usable_mobile_is_skipped_with_the_phone_rule_reason() -> None:
    landline = CachedContact(
        "c-1", "Office", [{"PhoneType": "MOBILE", "PhoneNumber": "022 2345 6789"}]
    )
    plan = p.plan_contact(ctx(), [invoice("INV-1", 9)], landline)
    assert plan.message is None
    assert plan.skips[0].reason == p.NO_NUMBER
    assert "landline" in plan.skips[0].detail


def test_a_foreign_number_keeps_its_country_no_plus_91_is_prepended() -> None:
    sydney = CachedContact(
        "c-1",
        "Koala Pty",
        [{"PhoneType": "MOBILE", "PhoneCountryCode": "61", "PhoneNumber": "0412 345 678"}],
    )
    plan = p.plan_contact(ctx(), [invoice("INV-1", 9)], sydney)
    assert plan.message is not None
    assert plan.message.recipient == "+61412345678"


def test_invoices_past_stop_after_days_are_skipped_and_unknown_contacts_reported() -> None:
    plan = p.plan_contact(ctx(), [invoice("INV-1", 121)], PRIYA)
    assert plan.skips[0].reason == p.TOO_OLD
    plan = p.plan_contact(ctx(), [invoice("INV-2", 9)], None)
    assert plan.skips[0].reason == p.CONTACT_UNKNOWN
