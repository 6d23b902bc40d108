"""spec/*.schema.json is generated from the pydantic models; a stale copy fails here."""

from __future__ import annotations

from pathlib import Path

import jsonschema
import yaml

from component.spec import schema_files

ROOT = Path(__file__).resolve().parent.parent


def test_committed_schema_files_match_the_models() -> None:
    stale = schema_files.stale(ROOT / "spec")
    assert stale == [], f"stale: {stale}; run `make schema` (xero-wa lint --write-schema)"


def test_every_shipped_yaml_validates_against_the_generated_schema() -> None:
    """Editors use these files: they must accept every spec the loader accepts."""
    import json

    kinds = {
        "actions": "action.schema.json",
        "triggers": "trigger.schema.json",
        "datasources": "datasource.schema.json",
        "connections": "connection.schema.json",
    }
    checked = 0
    for folder, name in kinds.items():
        schema = json.loads((ROOT / "spec" / name).read_text())
        for path in sorted((ROOT / folder).rglob("*.yaml")):
            jsonschema.validate(yaml.safe_load(path.read_text()), schema)
            checked += 1
    assert checked >= 3
