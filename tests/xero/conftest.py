"""Sandbox fixtures (``sandboxed``, ``make_sandbox``) for these tests."""

from tests.xero.sandboxed import make_sandbox, sandboxed

__all__ = ["make_sandbox", "sandboxed"]
