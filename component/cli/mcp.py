"""``xero-wa mcp``: every action as an MCP tool over stdio (for Claude Desktop, IDEs, agents).

stdout carries only the JSON-RPC stream, so logs go to stderr. The connection is ``--connection
NAME`` (else ``XERO_WA_CONNECTION_VALUE``, else the only stored one of each family), or the
sandbox's demo connections with ``--sandbox``; ``--tenant`` (or ``XERO_WA_MCP_TENANT``) is the
organisation used when a call names none.
"""

from __future__ import annotations

import argparse
from typing import Any

from component.cli.app import add_target_options


def register(commands: Any) -> None:
    p = commands.add_parser("mcp", help="serve every action as an MCP tool over stdio")
    p.add_argument("--connection", help="the stored Xero connection to use (default: the only one)")
    p.add_argument("--whatsapp-connection", help="the stored WhatsApp connection to use")
    p.add_argument("--tenant", help="the Xero organisation (name or id) when a call names none")
    add_target_options(p)
    p.set_defaults(handler=cmd_mcp)


def cmd_mcp(args: argparse.Namespace) -> int:
    import anyio

    anyio.run(_serve, args)
    return 0


async def _serve(args: argparse.Namespace) -> None:
    from mcp.server.stdio import stdio_server

    from component.cli.app import build
    from component.executor import Executor
    from component.mcp_server.server import ToolRunner, build_server

    cli = build(args)
    runtime = cli.runtime
    connections: dict[str, Any] = {
        "xero": args.connection or cli.default_for("xero"),
        "whatsapp": args.whatsapp_connection or cli.default_for("whatsapp"),
    }
    tenant = args.tenant or runtime.settings.xero_wa_mcp_tenant
    runner = ToolRunner(runtime, Executor(runtime), connections, tenant)
    server = build_server(runner)
    try:
        async with stdio_server() as (read, write):
            await server.run(read, write, server.create_initialization_options())
    finally:
        await runtime.aclose()
