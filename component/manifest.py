"""The component manifest: everything a flow builder needs to render forms and picklists.

Built from the registry alone. Secrets never appear: a password input's default or example is
shown as ``***``.
"""

from __future__ import annotations

from typing import Any

from component.inputs import value_schema
from component.registry import Registry
from component.spec.models import ActionSpec, DataSourceSpec, InputSpec, TriggerSpec

MASK = "***"


def input_entry(spec: InputSpec) -> dict[str, Any]:
    """One input as the manifest shows it (every key present, null when unset)."""
    secret = spec.type == "password"
    return {
        "key": spec.key,
        "label": spec.label,
        "type": spec.type,
        "required": spec.required,
        "default": MASK if secret and spec.default is not None else spec.default,
        "comments": spec.comments,
        "example": MASK if secret and spec.example is not None else spec.example,
        "placeholder": spec.placeholder,
        "choices": [c.model_dump() for c in spec.choices] if spec.choices else None,
        "collection": spec.collection,
        "dataSource": spec.data_source,
        "hidden": spec.hidden,
        "connections": spec.connections,
        "schema": None if spec.type == "connection" else value_schema(spec),
    }


def _invocable(
    registry: Registry, spec: ActionSpec | TriggerSpec | DataSourceSpec
) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "key": spec.key,
        "display": {"label": spec.label, "description": spec.description},
        "group": spec.group,
        "connection": spec.connection,
        "inputs": [input_entry(i) for i in registry.all_inputs(spec)],
        "examplePayload": spec.example_payload,
    }
    if isinstance(spec, TriggerSpec):
        entry["path"] = spec.path
        entry["kind"] = "polling" if spec.poll is not None else "webhook"
        if spec.poll is not None:
            entry["poll"] = spec.poll.model_dump(mode="json")
    if isinstance(spec, DataSourceSpec):
        entry["dataSourceType"] = spec.data_source_type
    if isinstance(spec, ActionSpec):
        entry["kind"] = "declarative" if spec.request is not None else "handler"
        entry["safety"] = spec.safety
        entry["idempotent"] = spec.idempotent
    return entry


def build_manifest(registry: Registry) -> dict[str, Any]:
    component = registry.component
    return {
        "key": component.key,
        "label": component.label,
        "description": component.description,
        "version": component.version,
        "documentationUrl": component.documentation_url,
        "connections": [
            {
                "key": c.spec.key,
                "label": c.spec.label,
                "description": c.spec.description,
                "family": c.spec.family,
                "oauth2Type": c.spec.oauth2_type,
                "inputs": [input_entry(i) for i in c.spec.inputs],
            }
            for c in registry.connections.values()
        ],
        "actions": [_invocable(registry, a.spec) for a in _sorted(registry.actions)],
        "triggers": [_invocable(registry, t.spec) for t in _sorted(registry.triggers)],
        "dataSources": [_invocable(registry, d.spec) for d in _sorted(registry.datasources)],
    }


def _sorted(table: dict[str, Any]) -> list[Any]:
    return [table[key] for key in sorted(table)]
