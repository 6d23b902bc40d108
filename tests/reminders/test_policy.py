"""The policy file: the shipped default is valid and documented; mistakes name file and line."""

from __future__ import annotations

from datetime import date, time
from decimal import Decimal
from pathlib import Path

import pytest

from component import errors
from component.reminders.policy import DEFAULT_POLICY_PATH, QuietHours, load_policy, parse_policy

MINIMAL = """\
stages:
  - key: overdue_7
    days: 7
    template: payment_reminder
"""


def test_the_shipped_default_is_the_ladder_the_issue_describes() -> None:
    policy = load_policy()
    assert [(s.key, s.days) for s in policy.stages] == [
        ("due_soon", -3),
        ("overdue_1", 1),
        ("overdue_7", 7),
        ("overdue_14", 14),
        ("final", 30),
    ]
    assert policy.stages[-1].template == "payment_reminder_final"
    assert policy.combined.template == "payment_reminder_multi"
    assert policy.quiet_hours == QuietHours(start=time(20), end=time(9))
    assert policy.business_days == ["mon", "tue", "wed", "thu", "fri"]
    assert policy.opt_out.contact_group == "No WhatsApp reminders"
    # every key of the file is explained by a comment above it
    assert DEFAULT_POLICY_PATH.read_text(encoding="utf-8").count("\n#") >= 20


def test_a_file_given_with_only_stages_gets_safe_defaults(tmp_path: Path) -> None:
    path = tmp_path / "reminders.yaml"
    path.write_text(MINIMAL, encoding="utf-8")
    policy = load_policy(path)
    assert policy.stages[0].parameters[:2] == ["party_name", "invoice_number"]
    assert policy.quiet_hours is None
    assert policy.history_notes.enabled is False


def test_a_misspelt_key_is_an_error_naming_file_and_line() -> None:
    text = MINIMAL + "quietHour:\n  start: '20:00'\n  end: '09:00'\n"
    with pytest.raises(errors.InputError) as caught:
        parse_policy(text, "ops/reminders.yaml")
    assert "ops/reminders.yaml:5: quietHour" in caught.value.message
    assert "Extra inputs are not permitted" in caught.value.message


def test_every_bad_value_is_listed_with_its_line() -> None:
    text = """\
stages:
  - key: overdue_7
    days: seven
    template: payment_reminder
    button: link
minimumAmount:
  byCurrency:
    rupees: 100
"""
    with pytest.raises(errors.InputError) as caught:
        parse_policy(text, "r.yaml")
    fields = [p.field for p in caught.value.problems]
    assert fields == [
        "r.yaml:3: stages.0.days",
        "r.yaml:5: stages.0.button",
        "r.yaml:8: minimumAmount.byCurrency.rupees.[key]",
    ]


def test_two_stages_on_one_day_or_with_one_key_are_refused() -> None:
    text = MINIMAL + "  - key: overdue_7\n    days: 8\n    template: payment_reminder\n"
    with pytest.raises(errors.InputError, match="stage keys must be unique"):
        parse_policy(text)
    text = MINIMAL + "  - key: later\n    days: 7\n    template: payment_reminder\n"
    with pytest.raises(errors.InputError, match="same day"):
        parse_policy(text)


def test_yaml_syntax_errors_name_the_line() -> None:
    with pytest.raises(errors.InputError, match=r"x.yaml:3: YAML syntax error"):
        parse_policy("stages:\n  - key: a\n   days: [\n", "x.yaml")


def test_a_missing_file_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(errors.InputError, match="cannot read"):
        load_policy(tmp_path / "nope.yaml")


def test_quiet_hours_may_span_midnight() -> None:
    night = QuietHours(start=time(20), end=time(9))
    assert night.contains(time(21, 30))
    assert night.contains(time(8, 59))
    assert not night.contains(time(9))
    assert not night.contains(time(19, 59))
    lunch = QuietHours(start=time(13), end=time(14))
    assert lunch.contains(time(13, 30))
    assert not lunch.contains(time(14))


def test_minimum_amounts_are_per_currency_with_a_default() -> None:
    policy = load_policy()
    assert policy.minimum_amount.for_currency("INR") == Decimal("100.00")
    assert policy.minimum_amount.for_currency("usd") == Decimal("1.00")


def test_business_days_and_holidays() -> None:
    text = MINIMAL + "businessDays: [mon, tue]\nholidays: ['2026-07-14']\n"
    policy = parse_policy(text)
    assert policy.is_business_day(date(2026, 7, 13))  # Monday
    assert not policy.is_business_day(date(2026, 7, 14))  # a Tuesday holiday
    assert not policy.is_business_day(date(2026, 7, 15))  # Wednesday
