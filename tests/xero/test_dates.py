"""Microsoft JSON dates and their ``*String`` twins."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from component.xero.dates import calendar_date, parse_ms_date, parse_xero_datetime, to_ms_date


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("/Date(1550793549320+0000)/", datetime(2019, 2, 21, 23, 59, 9, 320000, tzinfo=UTC)),
        ("/Date(1550793549320)/", datetime(2019, 2, 21, 23, 59, 9, 320000, tzinfo=UTC)),
        ("/Date(-86400000+0000)/", datetime(1969, 12, 31, tzinfo=UTC)),
    ],
)
def test_ms_dates_are_utc_instants(text: str, expected: datetime) -> None:
    assert parse_ms_date(text) == expected


def test_an_offset_keeps_the_instant_and_shows_it_in_that_zone() -> None:
    parsed = parse_ms_date("/Date(1783382400000+1300)/")
    assert parsed is not None
    assert parsed.utcoffset() == timedelta(hours=13)
    assert parsed == datetime(2026, 7, 7, tzinfo=UTC)


def test_other_text_is_not_a_ms_date() -> None:
    assert parse_ms_date("2026-07-07") is None
    assert parse_xero_datetime("2026-07-07T00:00:00") == datetime(2026, 7, 7, tzinfo=UTC)
    assert parse_xero_datetime("yesterday") is None
    assert parse_xero_datetime(None) is None


def test_calendar_date_prefers_the_string_twin_and_never_shifts_the_day() -> None:
    invoice = {"DueDateString": "2026-07-07T00:00:00", "DueDate": "/Date(1783382400000+1300)/"}
    assert calendar_date(invoice, "DueDate") == date(2026, 7, 7)
    assert calendar_date({"DueDate": "/Date(1783382400000+1300)/"}, "DueDate") == date(2026, 7, 7)
    assert calendar_date({}, "DueDate") is None


def test_to_ms_date_round_trips() -> None:
    moment = datetime(2026, 7, 7, 5, 30, tzinfo=timezone(timedelta(hours=5, minutes=30)))
    assert to_ms_date(moment) == "/Date(1783382400000+0000)/"
    assert parse_ms_date(to_ms_date(moment)) == moment
