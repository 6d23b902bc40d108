"""Deep checks that need more than loading: handlers import, defaults and examples are valid.

``Registry.load`` already checks structure and cross references without importing anything;
``xero-wa lint`` (and a test) adds these slower checks.
"""

from __future__ import annotations

import inspect
from pathlib import Path
from typing import Any

from component import errors
from component.inputs import InputSet
from component.registry import Registry
from component.spec import schema_files


def lint_registry(registry: Registry, schema_dir: Path | None) -> dict[str, Any]:
    """Raise SpecError with every problem found; return counts when all is well."""
    problems: list[str] = []
    for table in (registry.actions, registry.triggers, registry.datasources, registry.connections):
        for loaded in table.values():
            ref = getattr(loaded.spec, "handler", None)
            if ref is not None:
                problems.extend(_check_handler(registry, loaded))
            problems.extend(_check_defaults(loaded))
    if schema_dir is not None and (schema_dir.parent / "pyproject.toml").is_file():
        for name in schema_files.stale(schema_dir):
            problems.append(f"spec/{name}: stale; run `xero-wa lint --write-schema`")
    if problems:
        raise errors.SpecError(problems)
    return {
        "ok": True,
        "actions": len(registry.actions),
        "triggers": len(registry.triggers),
        "dataSources": len(registry.datasources),
        "connections": len(registry.connections),
    }


def _check_handler(registry: Registry, loaded: Any) -> list[str]:
    try:
        function = registry.handler(loaded)
    except Exception as exc:
        return [
            f"{loaded.where(('handler',))}: handler cannot be imported: {type(exc).__name__}: {exc}"
        ]
    if not inspect.iscoroutinefunction(function):
        return [
            f"{loaded.where(('handler',))}: handler {loaded.spec.handler} must be an async function"
        ]
    return []


def _check_defaults(loaded: Any) -> list[str]:
    """Each default must survive the cleaning its input type applies."""
    problems = []
    for index, spec in enumerate(loaded.spec.inputs):
        if spec.default is None or spec.type == "connection":
            continue
        single = InputSet([spec.model_copy(update={"required": False})])
        try:
            single.clean({spec.key: spec.default})
        except errors.InputError as exc:
            reason = exc.problems[0].reason
            problems.append(
                f"{loaded.where(('inputs', index, 'default'))}: inputs.{index}.default: {reason}"
            )
    return problems
