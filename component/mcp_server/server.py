"""The MCP server: ``tools/list`` from the registry, ``tools/call`` through the executor.

A call runs ``Executor.invoke`` exactly as the CLI and the HTTP API do, with the connection this
server was configured with (a stored connection's name, an inline value, or the only stored one
of the family). Xero tools take an optional ``tenant`` (organisation name or id); without it the
configured tenant (``--tenant`` / ``XERO_WA_MCP_TENANT``) or the connection's own is used.

Results come back as structured content (``{"data": …}``, binary data as base64 like the CLI)
and as its JSON text. Every failure is an MCP tool error (``isError: true``) whose content is our
error object ``{"error": {"code", "message", "details"}}`` (``input_error`` with the bad fields,
``connection_error``, ``upstream_error``...), so an agent can act on the code; no traceback and no
secret ever reaches the client.
"""

from __future__ import annotations

import json
import logging
import uuid
from dataclasses import dataclass, field
from typing import Any

from mcp import types
from mcp.server.lowlevel import Server

from component import errors, sessions
from component.executor import Executor, Kind
from component.mcp_server.tools import TENANT, all_tools
from component.oauth.tenants import aim_at
from component.runtime import Runtime
from component.sessions import Session, StoredOrInline
from component.values import to_jsonable

log = logging.getLogger("xero_wa.mcp")
NAME = "xero-wa"


@dataclass
class ToolRunner:
    """Runs one tool call; holds the configured connections and default tenant."""

    runtime: Runtime
    executor: Executor
    connections: dict[str, StoredOrInline | None] = field(default_factory=dict)
    tenant: str | None = None

    async def call(self, name: str, arguments: dict[str, Any]) -> types.CallToolResult:
        try:
            data = await self._invoke(name, dict(arguments))
        except errors.XeroWaError as exc:
            return _error(exc.to_dict())
        except Exception as exc:  # a bug: reported with a reference, never a traceback
            reference = uuid.uuid4().hex[:12]
            log.exception("MCP tool %s crashed (reference %s)", name, reference)
            internal = errors.InternalError(
                f"tool {name} failed unexpectedly ({type(exc).__name__}); reference {reference}",
                details={"reference": reference},
            )
            return _error(internal.to_dict())
        payload = {"data": to_jsonable(data)}
        text = json.dumps(payload, ensure_ascii=False, indent=2)
        return types.CallToolResult(
            content=[types.TextContent(type="text", text=text)], structuredContent=payload
        )

    async def _invoke(self, name: str, arguments: dict[str, Any]) -> Any:
        registry = self.runtime.registry
        kind: Kind = "dataSource" if name in registry.datasources else "action"
        if name in registry.actions:
            kind = "action"
        loaded = registry.action(name) if kind == "action" else registry.datasource(name)
        family = loaded.spec.connection
        wanted = arguments.pop(TENANT, None) if family == "xero" else None
        if wanted is not None and not isinstance(wanted, str):
            raise errors.InputError.single(TENANT, "expected an organisation name or tenant id")
        session = None
        if family is not None:
            session = await self._session(
                family, wanted or (self.tenant if family == "xero" else None)
            )
        result = await self.executor.invoke(
            name, arguments, kind=kind, source="api", session=session
        )
        return result["data"]

    async def _session(self, family: str, tenant: str | None) -> Session:
        session = await sessions.resolve(self.runtime, self.connections.get(family), family)
        return await aim_at(self.runtime, session, tenant)


def build_server(runner: ToolRunner) -> Server[Any, Any]:
    """The low-level MCP server answering initialize, tools/list and tools/call."""
    server: Server[Any, Any] = Server(
        NAME,
        version=runner.runtime.registry.component.version,
        instructions=(
            "Xero accounting and WhatsApp actions. Tools marked destructive delete, void, "
            "archive or reverse records; confirm with the user first. Pass `tenant` to choose "
            "the Xero organisation."
        ),
    )
    tools = all_tools(runner.runtime.registry)

    @server.list_tools()  # type: ignore[no-untyped-call,untyped-decorator]
    async def list_tools() -> list[types.Tool]:
        return tools

    @server.call_tool(validate_input=False)  # type: ignore[untyped-decorator]
    async def call_tool(name: str, arguments: dict[str, Any]) -> types.CallToolResult:
        return await runner.call(name, arguments or {})

    return server


def _error(body: dict[str, Any]) -> types.CallToolResult:
    text = json.dumps(body, ensure_ascii=False, indent=2)
    return types.CallToolResult(
        content=[types.TextContent(type="text", text=text)], structuredContent=body, isError=True
    )
