"""Xero's dates: Microsoft JSON dates (``/Date(1550793549320+0000)/``) and ``*String`` twins.

Xero writes instants as milliseconds since the epoch, optionally followed by the offset of the
organisation that shows them (``+1300``), and sometimes negative (before 1970). Date-only fields
(``Date``, ``DueDate``) are midnight UTC of the calendar day; their ``DateString`` /
``DueDateString`` twins (``2026-07-07T00:00:00``) say the same day in plain text and are preferred.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

_MS_DATE = re.compile(r"^/Date\((?P<ms>-?\d+)(?P<offset>[+-]\d{4})?\)/$")


def parse_ms_date(text: str) -> datetime | None:
    """An aware datetime for ``/Date(ms±hhmm)/`` (in that offset, UTC without one), else None."""
    match = _MS_DATE.match(text.strip())
    if match is None:
        return None
    instant = datetime(1970, 1, 1, tzinfo=UTC) + timedelta(milliseconds=int(match.group("ms")))
    offset = match.group("offset")
    if offset is None:
        return instant
    sign = -1 if offset[0] == "-" else 1
    delta = timedelta(hours=int(offset[1:3]), minutes=int(offset[3:5]))
    return instant.astimezone(timezone(sign * delta))


def parse_xero_datetime(value: Any) -> datetime | None:
    """A Microsoft JSON date or an ISO 8601 text as a datetime (naive ISO is taken as UTC)."""
    if not isinstance(value, str) or not value.strip():
        return None
    parsed = parse_ms_date(value)
    if parsed is not None:
        return parsed
    try:
        iso = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return iso if iso.tzinfo else iso.replace(tzinfo=UTC)


def calendar_date(record: dict[str, Any], field: str) -> date | None:
    """The calendar day of a date-only field, preferring its ``<field>String`` twin.

    ``calendar_date(invoice, "DueDate")`` reads ``DueDateString`` first, then ``DueDate``. A
    Microsoft JSON date of a date-only field is midnight UTC of that day, so its UTC date is taken
    (the offset Xero may add would otherwise move the day).
    """
    for value in (record.get(f"{field}String"), record.get(field)):
        if not isinstance(value, str):
            continue
        ms = parse_ms_date(value)
        if ms is not None:
            return ms.astimezone(UTC).date()
        parsed = parse_xero_datetime(value)
        if parsed is not None:
            return parsed.date()
    return None


def to_ms_date(moment: datetime) -> str:
    """``/Date(ms+0000)/`` for an aware datetime (as Xero writes UTC instants)."""
    millis = int((moment.astimezone(UTC) - datetime(1970, 1, 1, tzinfo=UTC)).total_seconds() * 1000)
    return f"/Date({millis}+0000)/"


def modified_since_header(moment: datetime | str) -> str:
    """``If-Modified-Since`` as the official spec requires it: RFC 3339 with an explicit offset.

    Xero's spec declares the header ``format: date-time``; a naive ``2026-01-01T00:00:00`` is not
    one (the validating mock refuses it). A naive value is taken as UTC, as Xero reads it, and
    written ``2026-01-01T00:00:00Z``; an aware one is converted to UTC first.
    """
    if isinstance(moment, str):
        parsed = parse_xero_datetime(moment)
        if parsed is None:
            return moment
        moment = parsed
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return aware.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
