"""Action forms rendered from a manifest entry alone, and submitted forms turned back into inputs.

Each manifest input becomes one ``Field`` (label, widget, default, comments, choices, required
mark). A submitted form becomes ``NAME=VALUE`` pairs, exactly what ``xero-wa run -i`` takes, and
goes through the CLI's own parser and coercion (``component.inputs.from_cli_pairs``), so the
playground and the command it shows always mean the same thing.
"""

from __future__ import annotations

import json
import shlex
from dataclasses import dataclass, field
from typing import Any

from starlette.datastructures import FormData

WIDGETS = {
    "string": "text",
    "text": "textarea",
    "password": "password",
    "boolean": "boolean",
    "integer": "number",
    "number": "number",
    "date": "date",
    "timestamp": "text",
    "code": "code",
    "data": "textarea",
    "picklist": "select",
}
PICK_PREFIX = "_pick_"
SEARCH_PREFIX = "_search_"


@dataclass
class Field:
    key: str
    label: str
    type: str
    widget: str
    required: bool
    comments: str | None
    value: str
    example: str | None = None
    placeholder: str | None = None
    choices: list[tuple[str, str]] = field(default_factory=list)
    data_source: str | None = None
    collection: str | None = None
    #: Options loaded from the data source (value, label), and why loading failed.
    options: list[tuple[str, str]] = field(default_factory=list)
    options_error: str | None = None
    search: str = ""
    picked: str = ""
    error: str | None = None

    @property
    def dom_id(self) -> str:
        return f"in-{self.key}"


def fields(entry: dict[str, Any]) -> list[Field]:
    """The visible inputs of a manifest entry (connections are chosen with the organisation)."""
    out = []
    for spec in entry["inputs"]:
        if spec["type"] == "connection" or spec.get("hidden"):
            continue
        widget = "textarea" if spec.get("collection") else WIDGETS.get(spec["type"], "text")
        if spec.get("choices") and widget != "textarea":
            widget = "select"
        out.append(
            Field(
                key=spec["key"],
                label=spec["label"],
                type=spec["type"],
                widget=widget,
                required=bool(spec.get("required")),
                comments=spec.get("comments"),
                value=_shown(spec.get("default"), spec.get("collection")),
                example=_shown(spec.get("example"), spec.get("collection")) or None,
                placeholder=spec.get("placeholder"),
                choices=[(_text(c["value"]), c["label"]) for c in spec.get("choices") or []],
                data_source=spec.get("dataSource"),
                collection=spec.get("collection"),
            )
        )
    return out


def fill(form_fields: list[Field], form: FormData) -> None:
    """Put the submitted values (and picklist searches and picks) back into the fields."""
    for f in form_fields:
        raw = form.get(f.key)
        f.value = raw if isinstance(raw, str) else ("" if f.widget == "boolean" else f.value)
        search = form.get(SEARCH_PREFIX + f.key)
        f.search = search.strip()[:200] if isinstance(search, str) else ""
        picked = form.get(PICK_PREFIX + f.key)
        f.picked = picked if isinstance(picked, str) else ""


def pairs(form_fields: list[Field]) -> list[str]:
    """``NAME=VALUE`` pairs of the filled fields; blank fields are left out (not sent)."""
    out: list[str] = []
    for f in form_fields:
        value = f.value.strip() if f.widget != "code" else f.value
        if not value.strip() and f.picked:
            value = f.picked
        if not value.strip():
            continue
        if f.collection and not value.lstrip().startswith(("[", "{")):
            out += [f"{f.key}={line.strip()}" for line in value.splitlines() if line.strip()]
        else:
            out.append(f"{f.key}={value}")
    return out


def command(key: str, connection: str | None, given: list[str], secret_keys: set[str]) -> str:
    """The ``xero-wa run`` command that does the same; secret values are shown as ``***``."""
    parts = ["xero-wa", "run", key]
    if connection:
        parts += ["--connection", connection]
    for pair in given:
        name, _, value = pair.partition("=")
        parts += ["-i", f"{name}={'***' if name in secret_keys else value}"]
    return " ".join(shlex.quote(p) for p in parts)


def _shown(value: Any, collection: str | None) -> str:
    if value is None:
        return ""
    if collection == "valuelist" and isinstance(value, list):
        return "\n".join(_text(v) for v in value)
    if collection == "keyvaluelist" and isinstance(value, list):
        return "\n".join(f"{item.get('key')}={_text(item.get('value'))}" for item in value)
    return _text(value)


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    if isinstance(value, int | float):
        return str(value)
    return json.dumps(value, ensure_ascii=False)
