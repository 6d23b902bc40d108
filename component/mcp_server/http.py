"""MCP over streamable HTTP at ``/mcp`` under ``xero-wa serve``, behind the API keys.

The official SDK's session manager runs stateless with JSON answers: every POST is a complete
JSON-RPC exchange, so any number of service processes can answer any client and nothing is kept
between requests. The same ``Authorization: Bearer <key>`` as the ``/v1`` API is required (checked
in constant time by ``component.service.auth``); without it the answer is our 401 error object,
before the SDK sees the request. The manager's task group lives for the service's lifespan
(:meth:`McpHttp.running`).
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import AsyncIterator
from typing import Any

from mcp.server.lowlevel import Server
from mcp.server.streamable_http_manager import StreamableHTTPSessionManager
from starlette.types import Receive, Scope, Send

from component.service import auth

PATH = "/mcp"


class McpHttp:
    """The ASGI endpoint of ``/mcp`` (a Starlette route's endpoint)."""

    def __init__(self, server: Server[Any, Any], api_keys: list[str]) -> None:
        self.manager = StreamableHTTPSessionManager(app=server, json_response=True, stateless=True)
        self.api_keys = api_keys

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[None]:
        async with self.manager.run():
            yield

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        try:
            auth.check(headers.get("authorization"), self.api_keys)
        except auth.Unauthorized as exc:
            await _json(send, 401, exc.to_dict(), {"www-authenticate": "Bearer"})
            return
        await self.manager.handle_request(scope, receive, send)


async def _json(send: Send, status: int, body: dict[str, Any], extra: dict[str, str]) -> None:
    payload = json.dumps(body).encode()
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(payload)).encode()),
    ]
    headers += [(k.encode(), v.encode()) for k, v in extra.items()]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": payload})


def service_endpoint(
    runtime: Any, executor: Any, connections: dict[str, Any], api_keys: list[str]
) -> McpHttp:
    """The ``/mcp`` endpoint for ``xero-wa serve``: the service's executor and connections; the
    organisation is the call's ``tenant`` or ``XERO_WA_MCP_TENANT``."""
    from component.mcp_server.server import ToolRunner, build_server

    tenant = runtime.settings.xero_wa_mcp_tenant
    runner = ToolRunner(runtime, executor, connections, tenant)
    return McpHttp(build_server(runner), api_keys)
