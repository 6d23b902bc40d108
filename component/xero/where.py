"""Building Xero ``where`` filters from user values without letting them change the filter.

A value pasted into a filter (a search text, a currency) is written as a quoted string literal
with ``\\`` and ``"`` escaped, and ids are checked to be GUIDs before they are written as
``Guid("…")``: ``Name.Contains("x") OR 1==1`` typed into a search box stays a search text.
"""

from __future__ import annotations

import re
from datetime import date

GUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")


def text(value: str) -> str:
    """A C#-style string literal for ``value``."""
    escaped = value.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'


def guid(value: str) -> str:
    """``Guid("…")`` for a GUID; ValueError for anything else."""
    if not GUID.match(value.strip()):
        raise ValueError(f"expected a Xero id (GUID), got {value!r}")
    return f'Guid("{value.strip().lower()}")'


def day(value: date) -> str:
    """``DateTime(y,m,d)`` as Xero's filters write dates."""
    return f"DateTime({value.year},{value.month:02d},{value.day:02d})"


def all_of(*terms: str | None) -> str:
    """Terms joined with AND (absent terms skipped)."""
    return " AND ".join(term for term in terms if term)


def is_guid(value: str) -> bool:
    return bool(GUID.match(value.strip()))
