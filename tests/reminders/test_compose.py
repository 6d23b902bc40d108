"""What the customer reads: amounts for their currency and locale, exact amount_1000, dates."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest

from component.notify.locale import message_locale
from component.notify.templates import Texts, render
from component.reminders import compose
from component.reminders import plan as p
from component.reminders.policy import Policy, load_policy
from component.storage.reminder_cache import CachedContact, Candidate

POLICY = load_policy()
TODAY = date(2026, 7, 14)
PRIYA = CachedContact(
    "c-1", "Priya Textiles", [{"PhoneType": "MOBILE", "PhoneNumber": "98200 12345"}]
)


def message(*invoices: tuple[str, int, str, str], policy: Policy = POLICY) -> p.Message:
    candidates = [
        Candidate(
            "t-1", "c-1", f"id-{n}", n, "Priya Textiles", TODAY - timedelta(days=d), Decimal(a), c
        )
        for n, d, a, c in invoices
    ]
    ctx = p.PlanContext(policy=policy, tenant_id="t-1", as_of=TODAY, default_region="IN")
    planned = p.plan_contact(ctx, candidates, PRIYA).message
    assert planned is not None
    return planned


def body(composed: compose.Composed) -> list[dict[str, Any]]:
    return next(c["parameters"] for c in composed.components if c["type"] == "body")


def test_a_single_reminder_fills_the_stage_template() -> None:
    composed = compose.single(
        POLICY, message(("INV-0142", 7, "48500.55", "INR")), "en_IN", link_suffix="Tz7XoQ"
    )
    assert (composed.template, composed.language) == ("payment_reminder", "en")
    assert body(composed) == [
        {"type": "text", "text": "Priya Textiles"},
        {"type": "text", "text": "INV-0142"},
        {
            "type": "currency",
            "currency": {"fallback_value": "₹48,500.55", "code": "INR", "amount_1000": 48500550},
        },
        {"type": "date_time", "date_time": {"fallback_value": "7 July 2026"}},
        {"type": "text", "text": "7"},
    ]
    assert composed.components[-1] == {
        "type": "button",
        "sub_type": "url",
        "index": "0",
        "parameters": [{"type": "text", "text": "Tz7XoQ"}],
    }
    assert composed.summary == "overdue_7 · INV-0142 · ₹48,500.55"


def test_indian_grouping_for_large_amounts() -> None:
    composed = compose.single(POLICY, message(("INV-9", 7, "1234567.5", "INR")), "en_IN")
    amount = body(composed)[2]["currency"]
    assert amount == {"fallback_value": "₹12,34,567.50", "code": "INR", "amount_1000": 1234567500}


def test_the_due_soon_stage_uses_its_own_parameters() -> None:
    composed = compose.single(
        POLICY, message(("INV-1", -3, "500", "INR")), "en_IN", link_suffix="x"
    )
    assert composed.template == "invoice_new"
    assert [p.get("text") or p["type"] for p in body(composed)] == [
        "Priya Textiles",
        "INV-1",
        "currency",
        "date_time",
    ]


def test_a_combined_reminder_is_true_for_every_invoice_it_covers() -> None:
    """One invoice due tomorrow and one ten days overdue: the message says which is which, by
    number, with their total and the most overdue invoice's pay link (issue 10 item 18)."""
    composed = compose.combined(
        POLICY,
        message(("INV-1", -1, "1000", "INR"), ("INV-2", 10, "2500.25", "INR")),
        "en_IN",
        link_suffix="inv2-link",
    )
    assert composed.template == "payment_reminder_multi"
    assert body(composed) == [
        {"type": "text", "text": "Priya Textiles"},
        {
            "type": "currency",
            "currency": {"fallback_value": "₹3,500.25", "code": "INR", "amount_1000": 3500250},
        },
        {"type": "text", "text": "1 overdue (INV-2) and 1 due soon (INV-1)"},
    ]
    assert composed.components[-1]["parameters"] == [{"type": "text", "text": "inv2-link"}]
    text = render(
        Texts().get("payment_reminder_multi", "en"),
        composed.template,
        composed.components,
        link="https://in.xero.com/inv2-link",
    )
    assert text.splitlines() == [
        "Hello Priya Textiles, this is a reminder about your unpaid invoices totalling "
        "₹3,500.25: 1 overdue (INV-2) and 1 due soon (INV-1). "
        "Please pay at your earliest convenience.",
        "Reply STOP to opt out",
        "[View and pay: https://in.xero.com/inv2-link]",
    ]


def test_the_summary_groups_overdue_due_today_and_due_soon_invoices() -> None:
    composed = compose.combined(
        POLICY,
        message(
            ("INV-1", 3, "1000", "INR"),
            ("INV-2", 0, "1000", "INR"),
            ("INV-3", -2, "1000", "INR"),
            ("INV-4", 9, "1000", "INR"),
        ),
        "en_IN",
    )
    assert body(composed)[2]["text"] == (
        "2 overdue (INV-4, INV-1), 1 due today (INV-2) and 1 due soon (INV-3)"
    )
    assert composed.summary == "due_soon+overdue_1+overdue_7 · 4 invoices · ₹4,000.00"


def test_a_combined_template_that_cannot_tell_overdue_from_due_soon_is_refused() -> None:
    data = POLICY.model_dump(by_alias=True)
    data["combined"]["parameters"] = ["party_name", "invoice_count", "total", "invoice_numbers"]
    with pytest.raises(ValueError, match="add invoice_summary"):
        Policy.model_validate(data)
    data["combined"]["parameters"] = ["party_name", "invoice_count", "total"]
    with pytest.raises(ValueError, match="must list the invoice numbers"):
        Policy.model_validate(data)
    # a ladder that only reminds after the due date cannot mix them: counts are then true
    data["stages"] = [s for s in data["stages"] if s["days"] > 0]
    data["combined"]["parameters"] = ["party_name", "invoice_count", "total", "invoice_numbers"]
    assert Policy.model_validate(data).combined.parameters[1] == "invoice_count"


def test_mixed_currencies_are_totalled_as_text_listing_each() -> None:
    composed = compose.combined(
        POLICY,
        message(
            ("INV-1", 3, "120000", "INR"), ("INV-2", 10, "350", "USD"), ("INV-3", 9, "1", "USD")
        ),
        "en_IN",
    )
    assert body(composed)[1] == {"type": "text", "text": "₹1,20,000.00 + $351.00"}


def test_named_templates_get_parameter_names() -> None:
    data = POLICY.model_dump(by_alias=True)
    data["combined"]["namedParameters"] = True
    named = Policy.model_validate(data)
    composed = compose.combined(
        named,
        message(("INV-1", 3, "500", "INR"), ("INV-2", 4, "500", "INR"), policy=named),
        "en_IN",
    )
    assert [p["parameter_name"] for p in body(composed)] == [
        "party_name",
        "total",
        "invoice_summary",
    ]


def test_the_pdf_header_is_added_when_the_stage_asks_for_it() -> None:
    data = POLICY.model_dump(by_alias=True)
    data["stages"][2]["header"] = "pdf"
    data["stages"][2]["template"] = "payment_reminder_pdf"
    with_pdf = Policy.model_validate(data)
    composed = compose.single(
        with_pdf, message(("INV/7", 7, "500", "INR"), policy=with_pdf), "en_IN", media_id="m-1"
    )
    assert composed.components[0] == {
        "type": "header",
        "parameters": [{"type": "document", "document": {"id": "m-1", "filename": "INV-7.pdf"}}],
    }


def test_the_locale_follows_the_organisation_unless_the_policy_sets_one() -> None:
    assert message_locale(POLICY.locale, "IN") == "en_IN"
    assert message_locale(POLICY.locale, "NZ") == "en_NZ"
    assert message_locale(POLICY.locale, "XX") == "en"
    assert message_locale(POLICY.locale, None) == "en"
    assert message_locale("hi_IN", "IN") == "hi_IN"
