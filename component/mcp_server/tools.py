"""MCP tool definitions generated from the registry, so they cannot drift from the specs.

- name = the action key (picklists: the data source key), title = its label;
- description = the spec's description, with the safety class spelled out for models that do
  not read annotations;
- inputSchema = the action's JSON Schema (``component.inputs.input_schema``), plus an optional
  ``tenant`` (organisation name or id) on Xero tools;
- annotations: ``readOnlyHint`` for ``safety: read``, ``destructiveHint`` for ``destructive``
  (and explicitly false for ``write``), ``idempotentHint`` from ``idempotent``, and
  ``openWorldHint`` (the tools reach Xero or WhatsApp).

Picklists are exposed as read-only tools rather than completions: MCP completions complete
prompt and resource-template arguments, not tool arguments, and a tool lets an agent search and
page the options the same way a form does.
"""

from __future__ import annotations

from typing import Any

from mcp import types

from component.inputs import input_schema
from component.registry import Registry
from component.spec.models import ActionSpec, DataSourceSpec

TENANT = "tenant"
TENANT_SCHEMA = {
    "type": "string",
    "minLength": 1,
    "title": "Organisation",
    "description": (
        "The Xero organisation to act on, by name or tenant id; the configured organisation "
        "when omitted."
    ),
}
SAFETY_WORDS = {
    "read": "Read-only.",
    "write": "Changes data or sends something.",
    "destructive": "Destructive: deletes, voids, archives or reverses data.",
}


def action_tool(spec: ActionSpec) -> types.Tool:
    repeat = "Safe to repeat." if spec.idempotent else "Not idempotent: each call acts again."
    description = f"{spec.description} ({SAFETY_WORDS[spec.safety]} {repeat})".strip()
    return types.Tool(
        name=spec.key,
        title=spec.label,
        description=description,
        inputSchema=_schema(spec),
        annotations=types.ToolAnnotations(
            title=spec.label,
            readOnlyHint=spec.safety == "read",
            destructiveHint=spec.safety == "destructive",
            idempotentHint=spec.idempotent,
            openWorldHint=True,
        ),
    )


def picklist_tool(spec: DataSourceSpec) -> types.Tool:
    return types.Tool(
        name=spec.key,
        title=spec.label,
        description=f"{spec.description} Returns [{{key, label}}] options (read-only).".strip(),
        inputSchema=_schema(spec),
        annotations=types.ToolAnnotations(
            title=spec.label,
            readOnlyHint=True,
            destructiveHint=False,
            idempotentHint=True,
            openWorldHint=True,
        ),
    )


def all_tools(registry: Registry) -> list[types.Tool]:
    """Every action, then every picklist, each once and sorted by key."""
    actions = [action_tool(registry.actions[k].spec) for k in sorted(registry.actions)]
    lists = [picklist_tool(registry.datasources[k].spec) for k in sorted(registry.datasources)]
    return actions + lists


def _schema(spec: ActionSpec | DataSourceSpec) -> dict[str, Any]:
    schema = input_schema(spec.inputs)
    if spec.connection == "xero" and TENANT not in schema["properties"]:
        schema["properties"][TENANT] = dict(TENANT_SCHEMA)
    return schema
