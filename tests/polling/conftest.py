"""Sandbox fixtures (``sandboxed``, ``make_sandbox``) for the polling tests, whose state (the
triggers' marks, the poll jobs' slots) is kept on both backends: every test runs on SQLite and on
PostgreSQL (tests/storage/postgres_backends.py)."""

from tests.storage.postgres_backends import settings, store_backend
from tests.xero.sandboxed import make_sandbox, sandboxed

__all__ = ["make_sandbox", "sandboxed", "settings", "store_backend"]
