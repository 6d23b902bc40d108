"""JSON from outside, decoded within limits: every request body, webhook and JSON-text input.

``json.loads`` accepts things that later crash or stall the code that uses them, so ``loads``
refuses them up front with a reason that says where:

- nesting deeper than ``MAX_DEPTH`` levels (Xero's and Meta's payloads are under 10 deep): very
  deep JSON is a ``RecursionError`` in the parser, and in every recursive walk after it;
- integers longer than ``MAX_INT_DIGITS`` digits: Python refuses more than 4,300 with a
  ``ValueError``, converting fewer is quadratic, and no Xero or Meta field holds more than 29;
- ``NaN``/``Infinity`` and numbers that overflow to infinity: not JSON (RFC 8259), and an
  infinite amount cannot be sent on;
- strings (values or keys) with an unpaired surrogate such as ``"\\ud800"``: a valid escape but
  not text, which fails later in a URL, a header or the store.

Decoding is linear in the size of the text (about 0.25 s for a 1 MB body of small objects, most
of it the walk that checks the limits). Callers on the event loop hand large texts to a thread
(``component.service.http.off_loop``).
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

from component.errors import json_reason

MAX_DEPTH = 64
MAX_INT_DIGITS = 100
_LONG_NUMBER = re.compile(rf"-?\d{{{MAX_INT_DIGITS + 1},}}")


class JsonProblem(ValueError):
    """Text that is not JSON, or JSON outside the limits: ``reason`` says what, ``path`` where
    in the value (``inputs.lineItems[2].UnitAmount``; empty for the text as a whole)."""

    def __init__(self, reason: str, path: str = "") -> None:
        super().__init__(f"{path}: {reason}" if path else reason)
        self.reason = reason
        self.path = path


def loads(data: bytes | str) -> Any:
    """The decoded value of ``data`` (UTF-8 when bytes); JsonProblem when it is not acceptable."""
    if isinstance(data, bytes | bytearray):
        try:
            text = bytes(data).decode("utf-8")
        except UnicodeDecodeError as exc:
            raise JsonProblem(f"is not UTF-8 text (byte {exc.start})") from None
    else:
        text = data
    try:
        value = _decode(text, parse_int=_short_int, parse_float=_finite_float)
        if _plainly_within_limits(text):
            return value
    except _Doubt:
        value = _decode(text)
    check(value)
    return value


def _decode(text: str, **numbers: Any) -> Any:
    try:
        return json.loads(text, parse_constant=_constant, **numbers)
    except RecursionError:
        raise JsonProblem(f"is nested deeper than {MAX_DEPTH} levels") from None
    except json.JSONDecodeError as exc:
        raise JsonProblem(json_reason(exc)) from None
    except JsonProblem:
        raise
    except ValueError:  # Python's own limit: an integer of more than 4,300 digits
        raise JsonProblem(_long_number_reason(text)) from None


class _Doubt(Exception):
    """A number the decoder met may be over a limit: decode again and walk (``check``)."""


def _short_int(text: str) -> int:
    if len(text) > MAX_INT_DIGITS:  # a '-' counts too: doubt errs on the side of the walk
        raise _Doubt
    return int(text)


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise _Doubt
    return value


def _plainly_within_limits(text: str) -> bool:
    """Whether a glance at the text shows that no string or nesting in it can break a limit,
    so the walk over the decoded value (most of what a small webhook body costs here) can be
    skipped; the decoder's number hooks (``_short_int``, ``_finite_float``) saw every number.

    Conservative: brackets and backslashes inside strings count as if they were structure. ASCII
    text without ``\\u`` escapes holds no surrogate; no more opening brackets than
    ``MAX_DEPTH`` cannot nest deeper.
    """
    return text.isascii() and "\\u" not in text and text.count("[") + text.count("{") <= MAX_DEPTH


#: Where a node is: (parent's place, key or index), or None at the top; written out only on error.
Place = tuple[Any, str | int] | None


def check(value: Any) -> None:
    """Depth, number and text checks on a decoded value (iterative: no recursion limit)."""
    if not isinstance(value, dict | list):
        _scalar(value, None)
        return
    stack: list[tuple[Any, int, Place]] = [(value, 1, None)]
    while stack:
        node, depth, place = stack.pop()
        if depth > MAX_DEPTH:
            raise JsonProblem(f"is nested deeper than {MAX_DEPTH} levels", _path(place))
        items = node.items() if type(node) is dict else enumerate(node)
        for key, item in items:
            if type(key) is str and not key.isascii() and not is_text(key):
                raise JsonProblem(f"has a key that is not text ({_shown(key)})", _path(place))
            kind = type(item)
            if kind is dict or kind is list:
                stack.append((item, depth + 1, (place, key)))
            elif kind is not bool and item is not None:
                _scalar(item, (place, key))


def _scalar(item: Any, place: Place) -> None:
    if isinstance(item, str):
        if not item.isascii() and not is_text(item):
            raise JsonProblem(f"{_shown(item)} is not text (an unpaired surrogate)", _path(place))
    elif isinstance(item, int):
        if item.bit_length() > _MAX_INT_BITS:
            digits = len(str(abs(item)))
            raise JsonProblem(
                f"is a whole number of {digits} digits (at most {MAX_INT_DIGITS})", _path(place)
            )
    elif isinstance(item, float) and not math.isfinite(item):
        raise JsonProblem("is a number out of range", _path(place))


def _path(place: Place) -> str:
    parts: list[str | int] = []
    while place is not None:
        place, key = place
        parts.append(key)
    text = ""
    for part in reversed(parts):
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
    return text


def is_text(value: str) -> bool:
    """Whether ``value`` can be written as UTF-8: no unpaired surrogates (``"\\ud800"``)."""
    if value.isascii():
        return True
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _shown(value: str) -> str:
    text = value if len(value) <= 40 else value[:40] + "..."
    return ascii(text)


#: 10**100 needs 333 bits: a number with more bits has more than MAX_INT_DIGITS digits (a few
#: 101-digit numbers below 2**333 pass, which is harmless).
_MAX_INT_BITS = (10**MAX_INT_DIGITS).bit_length()


def _constant(name: str) -> Any:
    raise JsonProblem(f"has {name}, which is not a JSON number")


def _long_number_reason(text: str) -> str:
    found = _LONG_NUMBER.search(text)
    where = ""
    if found is not None:
        line = text.count("\n", 0, found.start()) + 1
        column = found.start() - (text.rfind("\n", 0, found.start()) + 1) + 1
        where = f" at line {line} column {column} ({len(found.group().lstrip('-'))} digits)"
    return f"has a whole number longer than {MAX_INT_DIGITS} digits{where}"
