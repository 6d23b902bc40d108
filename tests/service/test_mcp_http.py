"""MCP over streamable HTTP at ``/mcp`` under ``xero-wa serve`` (component/mcp_server/http.py):
the official SDK's client through the service app, behind the API keys."""

from __future__ import annotations

import json

import httpx
import pytest
from mcp import ClientSession
from mcp.client.streamable_http import streamable_http_client

from tests.service.conftest import API_KEY, BASE, Stack

pytestmark = pytest.mark.anyio


def client_for(stack: Stack, key: str | None) -> httpx.AsyncClient:
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    transport = httpx.ASGITransport(app=stack.service.app)
    return httpx.AsyncClient(transport=transport, base_url=BASE, headers=headers, timeout=30)


async def test_an_sdk_client_lists_and_calls_tools_over_http(stack: Stack) -> None:
    async with (
        client_for(stack, API_KEY) as http,
        streamable_http_client(f"{BASE}/mcp", http_client=http) as (read, write, _),
        ClientSession(read, write) as session,
    ):
        initialized = await session.initialize()
        assert initialized.serverInfo.name == "xero-wa"
        tools = {t.name: t for t in (await session.list_tools()).tools}
        assert tools["deleteInvoice"].annotations.destructiveHint is True  # type: ignore[union-attr]
        result = await session.call_tool("getOrganisation", {})
        assert not result.isError
        body = json.loads(result.content[0].text)  # type: ignore[union-attr]
        assert body["data"]["Organisations"][0]["OrganisationID"] == stack.tenant


@pytest.mark.parametrize("key", [None, "wrong-key"])
async def test_mcp_requires_an_api_key(stack: Stack, key: str | None) -> None:
    initialize = {
        "jsonrpc": "2.0",
        "id": 1,
        "method": "initialize",
        "params": {
            "protocolVersion": "2025-06-18",
            "capabilities": {},
            "clientInfo": {"name": "t", "version": "1"},
        },
    }
    async with client_for(stack, key) as http:
        response = await http.post(
            "/mcp", json=initialize, headers={"Accept": "application/json, text/event-stream"}
        )
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthorized"
