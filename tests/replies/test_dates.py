"""``component.replies.dates``: the date a customer promises to pay by, as a table.

``TODAY`` is Thursday 10 December 2026 in the organisation's calendar; a date without a year is
the next such date, so a January date said in December is next year's.
"""

from __future__ import annotations

from datetime import date

import pytest

from component.replies.dates import parse_date, promised_date

TODAY = date(2026, 12, 10)  # a Thursday

UNDERSTOOD = [
    # (what the customer typed, day first (India, UK), month first (en_US))
    ("2026-12-15", date(2026, 12, 15), date(2026, 12, 15)),
    ("15/12", date(2026, 12, 15), None),
    ("12/15", None, date(2026, 12, 15)),
    ("15-12-2026", date(2026, 12, 15), None),
    ("15.12.26", date(2026, 12, 15), None),
    ("15 Dec", date(2026, 12, 15), date(2026, 12, 15)),
    ("December 15 2026", date(2026, 12, 15), date(2026, 12, 15)),
    ("15th December", date(2026, 12, 15), date(2026, 12, 15)),
    ("  On 15 Dec!  ", date(2026, 12, 15), date(2026, 12, 15)),
    ("by 15 Jan", date(2027, 1, 15), date(2027, 1, 15)),  # next January
    ("sept 3", date(2027, 9, 3), date(2027, 9, 3)),
    ("15 दिसंबर", date(2026, 12, 15), date(2026, 12, 15)),  # Hindi month name
    ("today", TODAY, TODAY),
    ("Tomorrow", date(2026, 12, 11), date(2026, 12, 11)),
    ("कल", date(2026, 12, 11), date(2026, 12, 11)),
    ("Friday", date(2026, 12, 11), date(2026, 12, 11)),
    ("next friday", date(2026, 12, 11), date(2026, 12, 11)),
    ("thursday", date(2026, 12, 17), date(2026, 12, 17)),  # today's weekday: next week's
    ("शुक्रवार", date(2026, 12, 11), date(2026, 12, 11)),  # Friday in Hindi
    ("in 5 days", date(2026, 12, 15), date(2026, 12, 15)),
    ("5 days", date(2026, 12, 15), date(2026, 12, 15)),
    ("20 dec 2025", date(2025, 12, 20), date(2025, 12, 20)),  # parsed; the limit refuses it
]

NOT_DATES = ["", "banana", "soon", "31/02", "15/13", "29 feb", "next month", "99 days later"]


@pytest.mark.parametrize(("text", "day_first", "month_first"), UNDERSTOOD)
def test_what_a_customer_types_is_read_as_this_date(
    text: str, day_first: date | None, month_first: date | None
) -> None:
    assert parse_date(text, TODAY) == day_first
    assert parse_date(text, TODAY, month_first=True) == month_first


@pytest.mark.parametrize("text", NOT_DATES)
def test_words_that_name_no_date_are_none(text: str) -> None:
    assert parse_date(text, TODAY) is None


def test_29_february_without_a_year_is_the_next_leap_day() -> None:
    assert parse_date("29 Feb", date(2027, 12, 10)) == date(2028, 2, 29)
    assert parse_date("29 Feb", date(2028, 1, 5)) == date(2028, 2, 29)


@pytest.mark.parametrize(
    ("text", "day", "problem"),
    [
        ("5 Jan", date(2027, 1, 5), None),
        ("9 Jan", date(2027, 1, 9), None),  # exactly 30 days ahead: allowed
        ("today", TODAY, None),
        (
            "10 Jan",
            None,
            "10 Jan 2027 is more than 30 days away; please give a date by 09 Jan 2027",
        ),
        ("1 Dec 2026", None, "01 Dec 2026 has passed; please give a date from today on"),
        ("soon", None, "that is not a date we understand; please write it like 09 Jan"),
    ],
)
def test_the_promise_must_fall_within_the_policy_limit(
    text: str, day: date | None, problem: str | None
) -> None:
    understood = promised_date(text, TODAY, 30)
    assert (understood.day, understood.problem) == (day, problem)
