"""Typed value templates for declarative requests.

A template is a plain JSON value. Three markers are replaced, never anything guessed from text:

- ``"$invoiceId"``: the whole string is a reference; the input's *typed* value is inserted
  (a boolean stays a boolean, a list stays a list). ``"$$x"`` is the literal string ``"$x"``.
- ``{"$input": "paymentAmount", "as": "number"}``: a reference with an explicit conversion.
  ``"$input"`` may also be a list of keys: the first input that is present is used (a date given
  either as ``date`` or as the reference component's ``dateString``).
- ``{"$merge": ["fieldValues", "additionalFields"], ...}``: inside an object, the listed inputs
  (objects or key/value lists) are merged over the object's own keys.

Inputs that are absent (None) are left out, and an object or list emptied only because its
references were absent is left out too, so optional inputs never send ``null`` or ``{}``.
Paths use ``{inputKey}`` placeholders, URL-encoded as one segment.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import quote

from component import bounded_json
from component.xero.dates import modified_since_header

REF = re.compile(r"^\$([A-Za-z][A-Za-z0-9]*)$")
PLACEHOLDER = re.compile(r"\{([A-Za-z][A-Za-z0-9]*)\}")
CONVERSIONS = ("string", "number", "integer", "boolean", "json", "date", "xeroDateTime", "csv")

_ABSENT = object()


class TemplateError(ValueError):
    """A value could not be converted as the template asks; ``field`` names the input."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


def references(template: Any) -> Iterator[str]:
    """Every input key a template refers to (for lint: placeholders must name inputs)."""
    if isinstance(template, str):
        match = REF.match(template)
        if match:
            yield match.group(1)
    elif isinstance(template, Mapping):
        if "$input" in template:
            yield from input_keys(template)
            return
        for key, value in template.items():
            if key == "$merge":
                yield from (str(v) for v in value)
            else:
                yield from references(value)
    elif isinstance(template, list):
        for item in template:
            yield from references(item)


def input_keys(template: Mapping[str, Any]) -> list[str]:
    """The keys of a ``$input`` marker, in order of preference."""
    keys = template["$input"]
    return [str(k) for k in keys] if isinstance(keys, list) else [str(keys)]


def template_problems(template: Any) -> list[str]:
    """Structural mistakes in a template (bad ``as``, malformed ``$input``/``$merge``)."""
    problems: list[str] = []
    if isinstance(template, Mapping):
        if "$input" in template:
            extra = set(template) - {"$input", "as"}
            if extra:
                problems.append(f"unexpected keys beside $input: {sorted(extra)}")
            keys = template["$input"]
            if not (isinstance(keys, str) or (isinstance(keys, list) and keys)) or (
                isinstance(keys, list) and not all(isinstance(k, str) for k in keys)
            ):
                problems.append("$input takes an input key or a non-empty list of input keys")
            conv = template.get("as")
            if conv is not None and conv not in CONVERSIONS:
                problems.append(f"unknown conversion as={conv!r}; use one of {list(CONVERSIONS)}")
            return problems
        merge = template.get("$merge")
        if merge is not None and not (
            isinstance(merge, list) and all(isinstance(m, str) for m in merge)
        ):
            problems.append("$merge takes a list of input keys")
        for key, value in template.items():
            if key != "$merge":
                problems.extend(template_problems(value))
    elif isinstance(template, list):
        for item in template:
            problems.extend(template_problems(item))
    return problems


def render(template: Any, values: Mapping[str, Any]) -> Any:
    """Render ``template`` with typed ``values``; returns None when everything was absent."""
    result = _render(template, values)
    return None if result is _ABSENT else result


def _render(template: Any, values: Mapping[str, Any]) -> Any:
    if isinstance(template, str):
        match = REF.match(template)
        if match:
            value = values.get(match.group(1))
            return _ABSENT if value is None else value
        if template.startswith("$$"):
            return template[1:]
        return template
    if isinstance(template, Mapping):
        if "$input" in template:
            for key in input_keys(template):
                value = values.get(key)
                if value is not None:
                    return convert(key, value, template.get("as"))
            return _ABSENT
        return _render_object(template, values)
    if isinstance(template, list):
        items = [_render(item, values) for item in template]
        kept = [item for item in items if item is not _ABSENT]
        if not kept and template:
            return _ABSENT
        return kept
    return template


def _render_object(template: Mapping[str, Any], values: Mapping[str, Any]) -> Any:
    out: dict[str, Any] = {}
    had_reference = False
    for key, sub in template.items():
        if key == "$merge":
            continue
        rendered = _render(sub, values)
        if rendered is _ABSENT:
            had_reference = True
        else:
            out[key] = rendered
    for merge_key in template.get("$merge", []):
        had_reference = True
        out.update(as_mapping(merge_key, values.get(merge_key)))
    if not out and had_reference:
        return _ABSENT
    return out


def as_mapping(field: str, value: Any) -> dict[str, Any]:
    """An object, or a key/value list ``[{key, value}]``, as a dict (None → empty)."""
    if value is None:
        return {}
    if isinstance(value, Mapping):
        return dict(value)
    if isinstance(value, list) and all(isinstance(v, Mapping) and "key" in v for v in value):
        return {str(v["key"]): v.get("value") for v in value}
    raise TemplateError(field, "expected an object or a key/value list to merge")


def convert(field: str, value: Any, conversion: str | None) -> Any:
    """Apply an explicit ``as`` conversion to a typed value."""
    if conversion is None:
        return value
    if conversion == "string":
        return (
            value
            if isinstance(value, str)
            else json.dumps(value)
            if isinstance(value, (dict, list))
            else str(value)
        )
    if conversion in ("number", "integer"):
        return _to_number(field, value, integer=conversion == "integer")
    if conversion == "boolean":
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in ("true", "false"):
            return text == "true"
        raise TemplateError(field, f"expected true or false, got {value!r}")
    if conversion == "json":
        if isinstance(value, str):
            try:
                return bounded_json.loads(value)
            except bounded_json.JsonProblem as exc:
                raise TemplateError(field, str(exc)) from None
        return value
    if conversion == "date":
        return _to_datetime(field, value).date().isoformat()
    if conversion == "xeroDateTime":
        return modified_since_header(_to_datetime(field, value))
    if conversion == "csv":
        return ",".join(str(v) for v in value) if isinstance(value, list) else str(value)
    raise TemplateError(field, f"unknown conversion {conversion!r}")


def _to_number(field: str, value: Any, *, integer: bool) -> int | float:
    if isinstance(value, bool):
        raise TemplateError(field, "expected a number, got a boolean")
    if isinstance(value, (int, float)) and not integer:
        return value
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        raise TemplateError(field, f"expected a number, got {value!r}") from None
    if not number.is_finite():
        raise TemplateError(field, f"expected a finite number, got {value!r}")
    if integer:
        if number != number.to_integral_value():
            raise TemplateError(field, f"expected a whole number, got {value!r}")
        return int(number)
    return (
        int(number)
        if number == number.to_integral_value() and "." not in str(value)
        else float(number)
    )


def _to_datetime(field: str, value: Any) -> datetime:
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, date):
        parsed = datetime(value.year, value.month, value.day)
    else:
        text = str(value).strip()
        try:
            parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            raise TemplateError(
                field,
                f"expected a date or timestamp like 2026-07-01 or 2026-07-01T09:30:00, got {text!r}",
            ) from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def render_path(path: str, values: Mapping[str, Any]) -> str:
    """Fill ``{key}`` placeholders, each URL-encoded as a single path segment."""

    def fill(match: re.Match[str]) -> str:
        key = match.group(1)
        value = values.get(key)
        if value is None or value == "":
            raise TemplateError(key, "is required to build the request path")
        segment = quote(str(value), safe="")
        if len(segment) > MAX_PATH_SEGMENT:
            raise TemplateError(
                key,
                f"is too long for the request path ({len(str(value))} characters; at most "
                f"{MAX_PATH_SEGMENT} once URL-encoded)",
            )
        return segment

    return PLACEHOLDER.sub(fill, path)


#: The longest value accepted in one path segment once URL-encoded: Xero's ids are 36
#: characters, its names and numbers at most 255, and servers refuse URLs of a few KB.
MAX_PATH_SEGMENT = 1024


def query_text(value: Any) -> str:
    """How a typed value is written in a query string or header."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ",".join(query_text(v) for v in value)
    if isinstance(value, (dict,)):
        return json.dumps(value, separators=(",", ":"))
    return str(value)
