"""``xero-wa mcp`` (component/cli/mcp.py): the real command in its own process, over stdio, driven
by the official SDK's stdio client: initialize, tools/list, tools/call against ``--sandbox``."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client

pytestmark = pytest.mark.anyio
XERO_WA = str(Path(sys.executable).with_name("xero-wa"))


async def test_xero_wa_mcp_answers_an_official_client_over_stdio(tmp_path: Path) -> None:
    params = StdioServerParameters(
        command=XERO_WA,
        args=["mcp", "--sandbox"],
        env={"XERO_WA_HOME": str(tmp_path / "home")},  # nothing from the caller's environment
        cwd=str(tmp_path),
    )
    errors = (tmp_path / "stderr.txt").open("w")
    async with (
        stdio_client(params, errlog=errors) as (read, write),
        ClientSession(read, write) as session,
    ):
        initialized = await session.initialize()
        assert initialized.serverInfo.name == "xero-wa"
        tools = {t.name: t for t in (await session.list_tools()).tools}
        assert len(tools) >= 78
        assert tools["reversePayment"].annotations.destructiveHint is True  # type: ignore[union-attr]
        listed = await session.call_tool("listContacts", {"page": "1"})
        assert not listed.isError
        assert json.loads(listed.content[0].text)["data"]["Contacts"]  # type: ignore[union-attr]
        made = await session.call_tool("createContact", {"contactName": "Stdio Traders"})
        assert not made.isError
        assert json.loads(made.content[0].text)["data"]["Contacts"][0]["Name"] == "Stdio Traders"  # type: ignore[union-attr]
    errors.close()
    assert "Traceback" not in (tmp_path / "stderr.txt").read_text()
