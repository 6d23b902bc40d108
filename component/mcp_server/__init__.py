"""The MCP server: every action (and picklist) of the registry as an MCP tool.

``tools.py`` turns specs into tool definitions (names, input schemas, descriptions and the
read-only/destructive/idempotent hints from the safety metadata); ``server.py`` answers
``tools/list`` and ``tools/call`` through the executor; ``http.py`` mounts it as streamable HTTP
under ``xero-wa serve`` behind the API keys; ``xero-wa mcp`` (``component/cli/mcp.py``) serves it
over stdio. Built on the official ``mcp`` Python SDK (its low-level server).
"""
