"""Inputs: defaults, coercion ("clean") and JSON Schema validation.

A CLI and a flow builder send strings ("false", "3", JSON text); the JSON API sends native JSON.
``clean`` turns either into typed values by each input's declared type, never by guessing from
the text, then validates the result against the JSON Schema built from the specs. Every problem
is collected and raised together in one InputError whose fields are paths like ``lineItems[0]``.
"""

from __future__ import annotations

import base64
import binascii
import math
import re
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from component import bounded_json
from component.errors import FieldProblem, InputError
from component.spec.models import InputSpec
from component.values import Binary

if TYPE_CHECKING:
    from jsonschema import Draft202012Validator

#: Who invoked: the CLI (strings to coerce), the JSON API, or the built-in scheduler.
Source = Literal["cli", "api", "schedule"]

_TRUE = {"true", "yes", "1", "on"}
_FALSE = {"false", "no", "0", "off"}
_DATA_URL = re.compile(r"^data:(?P<type>[\w.+-]+/[\w.+-]+)?(;[^,]*)?;base64,(?P<data>.*)$", re.S)


class _Bad(ValueError):
    """A coercion failure; the message is the plain reason shown to the user."""


# ----------------------------------------------------------------------------- schema
def scalar_schema(spec: InputSpec) -> dict[str, Any]:
    """JSON Schema of one (non-collection) value of ``spec`` after cleaning."""
    schema: dict[str, Any]
    match spec.type:
        case "boolean":
            schema = {"type": "boolean"}
        case "integer":
            schema = {"type": "integer"}
        case "number":
            schema = {"type": "number"}
        case "date":
            schema = {"type": "string", "format": "date", "pattern": r"^\d{4}-\d{2}-\d{2}$"}
        case "timestamp":
            schema = {"type": "string", "format": "date-time"}
        case "code":
            schema = {}
        case "data":
            schema = {
                "oneOf": [
                    {"type": "string", "contentEncoding": "base64"},
                    {
                        "type": "object",
                        "properties": {
                            "base64": {"type": "string"},
                            "contentType": {"type": "string"},
                            "fileName": {"type": "string"},
                        },
                        "required": ["base64"],
                    },
                ]
            }
        case _:
            schema = {"type": "string"}
    if spec.choices:
        schema["enum"] = [c.value for c in spec.choices]
    if spec.constraints:
        schema.update(spec.constraints)
    return schema


def value_schema(spec: InputSpec) -> dict[str, Any]:
    """JSON Schema of the cleaned value, collections included."""
    base = scalar_schema(spec)
    if spec.collection == "valuelist":
        return {"type": "array", "items": base}
    if spec.collection == "keyvaluelist":
        return {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {"key": {"type": "string"}, "value": base},
                "required": ["key", "value"],
                "additionalProperties": False,
            },
        }
    return base


def input_schema(inputs: Iterable[InputSpec]) -> dict[str, Any]:
    """The JSON Schema object of an invocation's inputs (connection inputs excluded)."""
    properties: dict[str, Any] = {}
    required: list[str] = []
    for spec in inputs:
        if spec.type == "connection":
            continue
        prop = value_schema(spec)
        prop["title"] = spec.label
        if spec.comments:
            prop["description"] = spec.comments
        if spec.default is not None:
            prop["default"] = spec.default
        properties[spec.key] = prop
        if spec.required and spec.default is None:
            required.append(spec.key)
    schema: dict[str, Any] = {
        "type": "object",
        "properties": properties,
        "additionalProperties": False,
    }
    if required:
        schema["required"] = required
    return schema


# ----------------------------------------------------------------------------- clean
def _validator(checked: list[InputSpec]) -> Draft202012Validator:
    """The JSON Schema validator of the inputs with constraints or choices (jsonschema is
    imported here: most actions have none, and importing it costs a CLI run a fifth of its
    start-up)."""
    from jsonschema import Draft202012Validator

    schema = input_schema(checked)
    schema.pop("required", None)  # "is required" is reported by clean, after defaults
    return Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)


class InputSet:
    """The inputs of one spec, with the JSON Schema validator compiled once."""

    def __init__(self, inputs: Iterable[InputSpec]) -> None:
        self.inputs = [spec for spec in inputs if spec.type != "connection"]
        self.by_key = {spec.key: spec for spec in self.inputs}
        # Coercion already guarantees each value's type (and fully checks data inputs), so the
        # JSON Schema only has work to do for inputs with constraints or choices.
        checked = [s for s in self.inputs if s.type != "data" and (s.constraints or s.choices)]
        self._checked = [s.key for s in checked]
        self._validator = _validator(checked) if checked else None

    def clean(
        self, raw: Mapping[str, Any], *, source: Source = "api", context: str = ""
    ) -> dict[str, Any]:
        """Defaults → coercion → JSON Schema validation. Returns typed values for every input."""
        problems = [self._unknown(name) for name in raw if name not in self.by_key]
        values: dict[str, Any] = {}
        for spec in self.inputs:
            value = raw.get(spec.key)
            if _is_empty(value):
                value = spec.default
            if _is_empty(value):
                if spec.required:
                    problems.append(FieldProblem(spec.key, "is required"))
                values[spec.key] = None
                continue
            try:
                values[spec.key] = coerce(spec, value, source)
            except _Bad as exc:
                problems.append(FieldProblem(spec.key, str(exc)))
                values[spec.key] = None
        instance = {k: values[k] for k in self._checked if values[k] is not None}
        errors = []
        if instance and self._validator is not None:
            found = self._validator.iter_errors(instance)
            errors = sorted(found, key=lambda e: list(e.absolute_path))
        for error in errors:
            path = _path_text(error.absolute_path) or "(inputs)"
            problems.append(FieldProblem(path, _plain(error.message, error.validator)))
        if problems:
            raise InputError(problems, context=context)
        return values

    def _unknown(self, name: str) -> FieldProblem:
        import difflib  # only for a mistake: kept out of every command's start-up

        near = difflib.get_close_matches(name, list(self.by_key), n=3, cutoff=0.6)
        known = ", ".join(self.by_key) or "none"
        hint = f"; did you mean {', '.join(near)}?" if near else f"; known inputs: {known}"
        return FieldProblem(name, f"unknown input{hint}")


def clean(
    inputs: Iterable[InputSpec],
    raw: Mapping[str, Any],
    *,
    source: Source = "api",
    context: str = "",
) -> dict[str, Any]:
    """One-off cleaning (connections, tests); hot paths keep an ``InputSet``."""
    return InputSet(inputs).clean(raw, source=source, context=context)


def _path_text(parts: Iterable[Any]) -> str:
    text = ""
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def _plain(message: str, validator: Any) -> str:
    if validator == "enum":
        message = message.replace(" is not one of ", " is not one of the choices ")
    # JSON Schema quotes the whole offending value: a 30,000-line list would make a megabyte
    # message (and response), so long messages keep their start and end.
    if len(message) > MAX_REASON:
        message = f"{message[: MAX_REASON - 100]} ... {message[-80:]}"
    return message


MAX_REASON = 500


def _is_empty(value: Any) -> bool:
    return value is None or (isinstance(value, str) and value == "")


# ----------------------------------------------------------------------------- coercion
def coerce(spec: InputSpec, value: Any, source: Source) -> Any:
    """One input's raw value → its typed value; raises _Bad with a plain reason."""
    if spec.collection == "valuelist":
        items = _as_list(value)
        return [_coerce_scalar(spec, item, source) for item in items]
    if spec.collection == "keyvaluelist":
        return [
            {"key": key, "value": _coerce_scalar(spec, item, source)}
            for key, item in _as_pairs(value)
        ]
    return _coerce_scalar(spec, value, source)


def _coerce_scalar(spec: InputSpec, value: Any, source: Source) -> Any:
    match spec.type:
        case "boolean":
            return _boolean(value)
        case "integer":
            return _integer(value)
        case "number":
            return _number(value)
        case "date":
            return _date(value)
        case "timestamp":
            return _timestamp(value)
        case "code":
            return _code(value)
        case "data":
            return _data(value, source)
        case _:
            return _string(value)


def _string(value: Any) -> str:
    if isinstance(value, str):
        if not bounded_json.is_text(value):
            raise _Bad("is not text: it holds an unpaired surrogate such as \\ud800")
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float, Decimal)):
        return str(value)
    raise _Bad(f"expected text, got {type(value).__name__}")


def _boolean(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str):
        text = value.strip().lower()
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
    raise _Bad(f"expected true or false, got {value!r}")


#: Whole-number inputs are 64-bit, like every integer Xero and Meta take.
INTEGER_MIN, INTEGER_MAX = -(2**63), 2**63 - 1
_WHOLE = re.compile(r"\s*[+-]?\d+\s*")


def _integer(value: Any) -> int:
    if isinstance(value, bool):
        raise _Bad("expected a whole number, got a boolean")
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, str) and _WHOLE.fullmatch(value):
        value = int(value) if len(value.strip().lstrip("+-")) <= 20 else INTEGER_MAX + 1
    if not isinstance(value, int):
        raise _Bad(f"expected a whole number, got {_shown(value)}")
    if not INTEGER_MIN <= value <= INTEGER_MAX:
        raise _Bad(f"is out of range: a whole number from {INTEGER_MIN} to {INTEGER_MAX}")
    return value


def _number(value: Any) -> int | float:
    if isinstance(value, bool):
        raise _Bad("expected a number, got a boolean")
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise _Bad(f"expected a finite number, got {value!r}")
        return value
    if isinstance(value, str):
        text = value.strip()
        if len(text) > MAX_NUMBER_TEXT:
            raise _Bad(f"is too long for a number ({len(text)} characters)")
        try:
            number = Decimal(text)
        except InvalidOperation:
            raise _Bad(f"expected a number, got {_shown(value)}") from None
        if not number.is_finite() or not math.isfinite(float(number)):
            raise _Bad(f"expected a finite number, got {_shown(value)}")
        return int(number) if _WHOLE.fullmatch(value) else float(number)
    raise _Bad(f"expected a number, got {_shown(value)}")


#: Longer number texts are refused before conversion (bounded_json.MAX_INT_DIGITS plus sign,
#: point and exponent).
MAX_NUMBER_TEXT = bounded_json.MAX_INT_DIGITS + 10


def _shown(value: Any) -> str:
    """``repr(value)`` cut to a readable length: an error quotes what it got, not all of it."""
    text = repr(value)
    return text if len(text) <= 60 else f"{text[:57]}..."


def _date(value: Any) -> str:
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value.strip()):
        try:
            return date.fromisoformat(value.strip()).isoformat()
        except ValueError:
            pass
    raise _Bad(f"expected a date as YYYY-MM-DD, got {value!r}")


def _timestamp(value: Any) -> str:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day).isoformat()
    if isinstance(value, str):
        text = value.strip()
        try:
            parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            pass
        else:
            return parsed.isoformat()
    raise _Bad(f"expected a timestamp like 2026-07-01T09:30:00 (ISO 8601), got {value!r}")


def _code(value: Any) -> Any:
    """JSON text from the CLI or a form, decoded within the limits of any JSON we accept; an
    already decoded value (the JSON API) is checked against the same limits."""
    try:
        if not isinstance(value, str):
            bounded_json.check(value)
            return value
        return bounded_json.loads(value)
    except bounded_json.JsonProblem as exc:
        raise _Bad(str(exc)) from None


def _data(value: Any, source: Source) -> Binary:
    if isinstance(value, Binary):
        return value
    if isinstance(value, (bytes, bytearray)):
        return Binary(bytes(value))
    if isinstance(value, Mapping):
        if "base64" not in value:
            raise _Bad("expected an object with a 'base64' field")
        return Binary(
            _b64(str(value["base64"])),
            str(value.get("contentType") or "application/octet-stream"),
            value.get("fileName"),
        )
    if isinstance(value, str):
        if value.startswith("@"):
            if source != "cli":
                raise _Bad("file paths (@path) are only accepted from the command line")
            return _read_file(value[1:])
        match = _DATA_URL.match(value)
        if match:
            return Binary(
                _b64(match.group("data")), match.group("type") or "application/octet-stream"
            )
        return Binary(_b64(value))
    raise _Bad(f"expected base64 text, a data: URL or @path, got {type(value).__name__}")


def _b64(text: str) -> bytes:
    try:
        return base64.b64decode("".join(text.split()), validate=True)
    except (binascii.Error, ValueError):
        raise _Bad(
            "expected base64 text (or @path from the command line); the value is not valid base64"
        ) from None


def _read_file(path_text: str) -> Binary:
    import mimetypes

    path = Path(path_text).expanduser()
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise _Bad(f"cannot read file {path_text!r}: {exc.strerror or exc}") from None
    content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    return Binary(data, content_type, path.name)


def _as_list(value: Any) -> list[Any]:
    if isinstance(value, list):
        return value
    if isinstance(value, str) and value.lstrip().startswith("["):
        parsed = _code(value)
        if isinstance(parsed, list):
            return parsed
    return [value]


def _as_pairs(value: Any) -> list[tuple[str, Any]]:
    if isinstance(value, str) and value.lstrip()[:1] in ("{", "["):
        value = _code(value)
    if isinstance(value, Mapping):
        return [(str(k), v) for k, v in value.items()]
    items = value if isinstance(value, list) else [value]
    pairs: list[tuple[str, Any]] = []
    for index, item in enumerate(items):
        if isinstance(item, Mapping) and "key" in item:
            pairs.append((str(item["key"]), item.get("value")))
        elif isinstance(item, str) and "=" in item:
            key, _, val = item.partition("=")
            pairs.append((key.strip(), val))
        else:
            raise _Bad(
                f"item {index}: expected KEY=VALUE or {{'key': ..., 'value': ...}}, got {item!r}"
            )
    return pairs


def from_cli_pairs(inputs: list[InputSpec], pairs: list[str]) -> dict[str, Any]:
    """``--input NAME=VALUE`` options → raw values; repeated names make collections."""
    collections = {s.key for s in inputs if s.collection}
    raw: dict[str, Any] = {}
    problems: list[FieldProblem] = []
    for pair in pairs:
        name, sep, value = pair.partition("=")
        name = name.strip()
        if not sep or not name:
            problems.append(FieldProblem(pair, "expected NAME=VALUE"))
            continue
        if name in collections:
            raw.setdefault(name, []).append(value)
        elif name in raw:
            problems.append(FieldProblem(name, "given more than once"))
        else:
            raw[name] = value
    if problems:
        raise InputError(problems, context="--input")
    # One occurrence of a collection stays a single text (it may be a JSON array or object).
    return {k: v[0] if k in collections and len(v) == 1 else v for k, v in raw.items()}
