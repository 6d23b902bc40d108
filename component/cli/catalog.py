"""``actions``, ``describe``, ``manifest`` and ``lint``: what the component offers."""

from __future__ import annotations

import argparse
from typing import Any


def register(commands: Any) -> None:
    p = commands.add_parser("actions", help="list every action")
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")
    p.set_defaults(handler=cmd_actions)

    p = commands.add_parser("describe", help="show an action's inputs and example output")
    p.add_argument("key", help="action, data source or trigger key")
    p.add_argument("--json", action="store_true", help="print the manifest entry as JSON")
    p.set_defaults(handler=cmd_describe)

    p = commands.add_parser(
        "manifest", help="print the component manifest (JSON) for a flow builder"
    )
    p.set_defaults(handler=cmd_manifest)

    p = commands.add_parser("lint", help="validate every spec file, handler and example")
    p.add_argument("--write-schema", action="store_true", help="regenerate spec/*.schema.json")
    p.set_defaults(handler=cmd_lint)


def cmd_actions(args: argparse.Namespace) -> int:
    from component.cli.output import emit
    from component.spec.cache import cached_rows

    rows = cached_rows(_action_rows)  # the registry is loaded only when a spec file changed
    if args.json:
        emit(rows)
        return 0
    from component.cli.tables import Column, data_console, print_rows

    columns = [Column("key"), Column("label"), Column("group"), Column("kind"), Column("safety")]
    cells = [
        [row["key"], row["label"], row["group"] or "", row["kind"], str(row["safety"])]
        for row in rows
    ]
    print_rows(data_console(), f"{len(rows)} actions", columns, cells)
    return 0


def _entry(key: str) -> dict[str, Any]:
    from component import errors
    from component.manifest import build_manifest
    from component.registry import Registry, _suggest

    manifest = build_manifest(Registry.load())
    for section in ("actions", "dataSources", "triggers"):
        for entry in manifest[section]:
            if entry["key"] == key:
                return {"section": section, **entry}
    keys = [e["key"] for s in ("actions", "dataSources", "triggers") for e in manifest[s]]
    raise errors.UnknownKeyError("action, data source or trigger", key, _suggest(key, keys))


def _action_rows() -> list[dict[str, Any]]:
    """One row per action, sorted by group and key (what ``actions`` lists)."""
    from component.registry import Registry

    registry = Registry.load()
    return [
        {
            "key": loaded.spec.key,
            "label": loaded.spec.label,
            "group": loaded.spec.group,
            "kind": "declarative" if loaded.spec.request is not None else "handler",
            "safety": str(loaded.spec.safety),
            "idempotent": loaded.spec.idempotent,
            "description": loaded.spec.description,
        }
        for loaded in sorted(
            registry.actions.values(), key=lambda a: (a.spec.group or "", a.spec.key)
        )
    ]


def cmd_describe(args: argparse.Namespace) -> int:
    entry = _entry(args.key)
    if args.json:
        from component.cli.output import emit

        emit(entry)
        return 0
    import json

    from rich.text import Text

    from component.cli.tables import Column, data_console, print_rows

    console = data_console()
    title = Text(entry["display"]["label"], style="bold")
    title.append(f"  key: {entry['key']}  ({entry['section']})", style="")
    console.print(title)
    if entry["display"]["description"]:
        console.print(entry["display"]["description"])
    if "safety" in entry:
        repeat = "idempotent" if entry["idempotent"] else "not idempotent"
        console.print(f"safety: {entry['safety']} ({repeat})")
    columns = [
        Column("input"),
        Column("label", 12),
        Column("type", 12),
        Column("required"),
        Column("default"),
        Column("comments", 24),
    ]
    rows = []
    for spec in entry["inputs"]:
        kind = spec["type"] + (f" ({spec['collection']})" if spec["collection"] else "")
        if spec["dataSource"]:
            kind += f" ← {spec['dataSource']}"
        default = "" if spec["default"] is None else json.dumps(spec["default"])
        required = "yes" if spec["required"] else ""
        rows.append([spec["key"], spec["label"], kind, required, default, spec["comments"] or ""])
    print_rows(console, f"{len(rows)} inputs", columns, rows)
    if entry.get("examplePayload") is not None:
        console.print("Example output:")
        console.print_json(json.dumps(entry["examplePayload"]))
    return 0


def cmd_manifest(args: argparse.Namespace) -> int:
    from component.cli.output import emit
    from component.manifest import build_manifest
    from component.registry import Registry

    emit(build_manifest(Registry.load()))
    return 0


def cmd_lint(args: argparse.Namespace) -> int:
    from pathlib import Path

    from component.cli.output import emit
    from component.lint import lint_registry
    from component.registry import Registry
    from component.spec import schema_files

    registry = Registry.load()  # raises SpecError listing every file problem
    schema_dir = Path(registry.root) / "spec"
    if args.write_schema:
        schema_files.write(schema_dir)
    summary = lint_registry(registry, schema_dir)
    emit(summary)
    return 0
