"""The ladder: the latest stage reached is the one due; missed stages are not sent late."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from component.reminders.policy import load_policy
from component.reminders.stages import (
    days_from_due,
    earliest_due_date,
    latest_due_date,
    reached_stage,
    too_old,
)

POLICY = load_policy()
TODAY = date(2026, 7, 14)


@pytest.mark.parametrize(
    ("days", "stage"),
    [
        (-4, None),
        (-3, "due_soon"),
        (0, "due_soon"),
        (1, "overdue_1"),
        (6, "overdue_1"),
        (7, "overdue_7"),
        (13, "overdue_7"),
        (14, "overdue_14"),
        (30, "final"),
        (100, "final"),
    ],
)
def test_the_latest_stage_reached(days: int, stage: str | None) -> None:
    due = TODAY - timedelta(days=days)
    found = reached_stage(POLICY, due, TODAY)
    assert (found.key if found else None) == stage


def test_days_are_whole_calendar_days() -> None:
    assert days_from_due(date(2026, 7, 7), date(2026, 7, 8)) == 1
    assert days_from_due(date(2026, 7, 7), date(2026, 7, 4)) == -3


def test_the_window_of_due_dates_the_listing_asks_xero_for() -> None:
    # a due-soon stage 3 days ahead: invoices due up to 17 July are candidates on 14 July
    assert latest_due_date(POLICY, TODAY) == date(2026, 7, 17)
    # stopAfterDays 120: older invoices are not even listed
    assert earliest_due_date(POLICY, TODAY) == date(2026, 3, 16)
    assert too_old(POLICY, date(2026, 3, 15), TODAY)
    assert not too_old(POLICY, date(2026, 3, 16), TODAY)
