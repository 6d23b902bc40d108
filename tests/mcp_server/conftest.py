"""Sandbox fixtures (``sandboxed``, ``make_sandbox``) for the MCP tests."""

from tests.xero.sandboxed import make_sandbox, sandboxed

__all__ = ["make_sandbox", "sandboxed"]
