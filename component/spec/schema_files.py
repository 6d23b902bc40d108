"""Generates ``spec/*.schema.json`` (the YAML spec format) from the pydantic models.

Editors use these files to validate and complete spec YAML; a test fails when the committed
copies differ from what the models generate, so the models stay the single source of truth.
"""

from __future__ import annotations

import json
from pathlib import Path

from component.spec.models import SPEC_MODELS

FILE_NAMES = {
    "action": "action.schema.json",
    "trigger": "trigger.schema.json",
    "dataSource": "datasource.schema.json",
    "connection": "connection.schema.json",
    "component": "component.schema.json",
}


def generate() -> dict[str, str]:
    """File name → JSON text, exactly as it should be committed."""
    out = {}
    for kind, model in SPEC_MODELS.items():
        schema = model.model_json_schema(by_alias=True, mode="validation")
        schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
        schema["$id"] = f"https://xero-wa.dev/spec/{FILE_NAMES[kind]}"
        out[FILE_NAMES[kind]] = json.dumps(schema, indent=2, sort_keys=True) + "\n"
    return out


def stale(directory: Path) -> list[str]:
    """Names of schema files that are missing or differ from the models."""
    wanted = generate()
    return [
        name
        for name, text in wanted.items()
        if not (directory / name).is_file()
        or (directory / name).read_text(encoding="utf-8") != text
    ]


def write(directory: Path) -> list[str]:
    directory.mkdir(parents=True, exist_ok=True)
    changed = stale(directory)
    for name, text in generate().items():
        (directory / name).write_text(text, encoding="utf-8")
    return changed
