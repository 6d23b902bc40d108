"""The MCP server (component/mcp_server/server.py, tools.py) through an official-SDK client.

The client is the SDK's own ``ClientSession`` connected in memory to our server, which runs every
call through the executor against the in-process sandbox (the demo organisation).
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import pytest
from mcp import ClientSession, types
from mcp.shared.memory import create_connected_server_and_client_session

from component.mcp_server.server import ToolRunner, build_server
from tests.xero.sandboxed import Sandboxed

pytestmark = pytest.mark.anyio


@pytest.fixture
async def client(sandboxed: Sandboxed) -> AsyncIterator[ClientSession]:
    runner = ToolRunner(
        sandboxed.runtime,
        sandboxed.executor,
        {"xero": sandboxed.connection, "whatsapp": sandboxed.sandbox.demo_connections["whatsapp"]},
    )
    async with create_connected_server_and_client_session(build_server(runner)) as session:
        yield session


def data(result: types.CallToolResult) -> Any:
    assert not result.isError, result.content
    assert result.structuredContent is not None
    body = json.loads(result.content[0].text)  # type: ignore[union-attr]
    assert body == result.structuredContent
    return body["data"]


async def test_every_action_and_picklist_is_a_tool_with_hints_from_the_safety_metadata(
    client: ClientSession, sandboxed: Sandboxed
) -> None:
    tools = {t.name: t for t in (await client.list_tools()).tools}
    registry = sandboxed.runtime.registry
    assert set(tools) == set(registry.actions) | set(registry.datasources)
    assert len(tools) >= 78
    void = tools["voidInvoice"].annotations
    assert void is not None
    assert (void.destructiveHint, void.readOnlyHint, void.idempotentHint) == (True, False, True)
    listing = tools["listInvoices"].annotations
    assert listing is not None
    assert (listing.readOnlyHint, listing.destructiveHint) == (True, False)
    create = tools["createInvoice"].annotations
    assert create is not None
    assert (create.readOnlyHint, create.destructiveHint, create.idempotentHint) == (
        False,
        False,
        False,
    )
    schema = tools["createInvoice"].inputSchema
    assert schema["required"] == ["contactId", "invoiceType", "lineAmountTypes"]
    assert "tenant" in schema["properties"]
    assert "xeroConnection" not in schema["properties"]
    assert tools["getInvoice"].description == (
        f"{registry.actions['getInvoice'].spec.description} (Read-only. Safe to repeat.)"
    )
    assert tools["selectContact"].annotations.readOnlyHint is True  # type: ignore[union-attr]


async def test_a_read_and_a_write_tool_act_on_the_sandbox(
    client: ClientSession, sandboxed: Sandboxed
) -> None:
    listed = data(await client.call_tool("listInvoices", {"where": 'Status=="AUTHORISED"'}))
    assert listed["Invoices"]
    assert {i["Status"] for i in listed["Invoices"]} == {"AUTHORISED"}
    made = data(await client.call_tool("createContact", {"contactName": "MCP Traders"}))
    contact_id = made["Contacts"][0]["ContactID"]
    assert sandboxed.org.contacts[contact_id].name == "MCP Traders"
    options = data(await client.call_tool("selectContact", {"search": "MCP"}))
    assert options[0]["key"] == contact_id


async def test_errors_are_tool_errors_carrying_our_codes(client: ClientSession) -> None:
    missing = await client.call_tool("getInvoice", {})
    assert missing.isError
    body = json.loads(missing.content[0].text)  # type: ignore[union-attr]
    assert body["error"]["code"] == "input_error"
    assert body["error"]["details"]["fields"][0]["field"] == "invoiceId"
    unknown = await client.call_tool(
        "getInvoice", {"invoiceId": "00000000-0000-0000-0000-000000000000"}
    )
    assert unknown.isError
    assert json.loads(unknown.content[0].text)["error"]["code"] == "upstream_not_found"  # type: ignore[union-attr]
    nowhere = await client.call_tool("listInvoices", {"tenant": "No Such Company"})
    assert json.loads(nowhere.content[0].text)["error"]["code"] == "input_error"  # type: ignore[union-attr]
    odd = await client.call_tool("listInvoices", {"tenant": 42})
    assert json.loads(odd.content[0].text)["error"]["details"]["fields"][0]["field"] == "tenant"  # type: ignore[union-attr]
    no_tool = await client.call_tool("launchRockets", {})
    assert json.loads(no_tool.content[0].text)["error"]["code"] == "unknown_key"  # type: ignore[union-attr]


async def test_the_tenant_argument_chooses_the_organisation(
    client: ClientSession, sandboxed: Sandboxed
) -> None:
    other = next(o for o in sandboxed.sandbox.state.xero.orgs.values() if o is not sandboxed.org)
    organisation = data(await client.call_tool("getOrganisation", {"tenant": other.name.lower()}))
    assert organisation["Organisations"][0]["Name"] == other.name
    default = data(await client.call_tool("getOrganisation", {}))
    assert default["Organisations"][0]["Name"] == sandboxed.org.name
