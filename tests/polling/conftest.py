"""Sandbox fixtures (``sandboxed``, ``make_sandbox``) for the polling tests."""

from tests.xero.sandboxed import make_sandbox, sandboxed

__all__ = ["make_sandbox", "sandboxed"]
