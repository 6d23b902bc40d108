"""The date a customer promises to pay by, from what they typed ("15 Dec", "15/12", "Friday").

Accepted, in the organisation's calendar (``today`` is its local date): ISO ``2026-12-15``;
day first with slashes, dashes or dots ``15/12``, ``15-12-2026`` (the order used in India, the
UK and most of the world; ``en_US`` reads month first); a day and a month name in English or
Hindi, either order, with an optional year (``15 Dec``, ``December 15 2026``, ``15 दिसंबर``; the
names come from babel's CLDR data); ``today``, ``tomorrow``; a weekday (``Friday``, ``next
friday``: the next one after today); ``in 5 days`` / ``5 days``. A date without a year is the
next such date (15 Jan said in December is next January).

:func:`promised_date` checks the date against the policy's limit: not in the past, at most
``max_days`` ahead; the error says what was understood and what is allowed, for the reply.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from babel.dates import get_day_names, get_month_names

_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_NUMERIC = re.compile(r"^(\d{1,2})[/.\-](\d{1,2})(?:[/.\-](\d{2,4}))?$")
_IN_DAYS = re.compile(r"^(?:in\s+)?(\d{1,3})\s+days?$")
_DAY = re.compile(r"^\d{1,2}$")
_YEAR = re.compile(r"^\d{4}$")


def _names(kind: str) -> dict[str, int]:
    found: dict[str, int] = {}
    for locale in ("en", "hi"):
        for width in ("wide", "abbreviated"):
            names = (
                get_month_names(width, locale=locale)
                if kind == "month"
                else get_day_names(width, locale=locale)
            )
            for number, name in names.items():
                found[name.casefold().rstrip(".")] = int(number)
    if kind == "month":
        found["sept"] = 9
    return found


MONTHS = _names("month")
WEEKDAYS = _names("day")  # babel: 0 = Monday


@dataclass(frozen=True)
class Understood:
    day: date | None
    problem: str | None = None


def parse_date(text: str, today: date, *, month_first: bool = False) -> date | None:
    """The date ``text`` names, or None when it names none."""
    words = " ".join(re.sub(r"[,]+", " ", text.casefold()).split()).strip(" .!")
    words = re.sub(r"\b(by|on|till|until|before)\b", " ", words).strip()
    words = " ".join(words.split())
    if words in ("today", "आज"):
        return today
    if words in ("tomorrow", "कल"):
        return today + timedelta(days=1)
    match = _IN_DAYS.match(words)
    if match:
        return today + timedelta(days=int(match.group(1)))
    return _calendar(words, today, month_first) or _weekday(words, today)


def _calendar(words: str, today: date, month_first: bool) -> date | None:
    match = _ISO.match(words)
    if match:
        return _make(int(match.group(1)), int(match.group(2)), int(match.group(3)))
    match = _NUMERIC.match(words)
    if match:
        first, second, year = int(match.group(1)), int(match.group(2)), match.group(3)
        day, month = (second, first) if month_first else (first, second)
        return _dated(day, month, year, today)
    parts = [re.sub(r"^(\d{1,2})(st|nd|rd|th)$", r"\1", p) for p in words.split()]
    named_day = next((int(p) for p in parts if _DAY.match(p)), None)
    named_month = next((MONTHS[p.rstrip(".")] for p in parts if p.rstrip(".") in MONTHS), None)
    named_year = next((p for p in parts if _YEAR.match(p)), None)
    if named_day is None or named_month is None:
        return None
    return _dated(named_day, named_month, named_year, today)


def _dated(day: int, month: int, year: str | None, today: date) -> date | None:
    if year is not None:
        full = int(year) + (2000 if len(year) == 2 else 0)
        return _make(full, month, day)
    found = _make(today.year, month, day)
    if found is None or found < today:  # passed this year, or 29 February of a common year
        found = _make(today.year + 1, month, day)
    return found


def _weekday(words: str, today: date) -> date | None:
    name = words.removeprefix("next ").removeprefix("this ").strip()
    number = WEEKDAYS.get(name.rstrip("."))
    if number is None:
        return None
    ahead = (number - today.weekday()) % 7 or 7
    return today + timedelta(days=ahead)


def _make(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def promised_date(
    text: str, today: date, max_days: int, *, month_first: bool = False
) -> Understood:
    """The promised date if it is one the policy accepts, else why not (for the reply)."""
    day = parse_date(text, today, month_first=month_first)
    latest = today + timedelta(days=max_days)
    if day is None:
        return Understood(
            None, f"that is not a date we understand; please write it like {latest:%d %b}"
        )
    if day < today:
        return Understood(None, f"{day:%d %b %Y} has passed; please give a date from today on")
    if day > latest:
        return Understood(
            None,
            f"{day:%d %b %Y} is more than {max_days} days away; please give a date by {latest:%d %b %Y}",
        )
    return Understood(day)
