"""The PostgreSQL the tests use: one fresh schema per test, dropped afterwards.

The server is ``XERO_WA_TEST_DATABASE_URL`` when set, else the local one at 127.0.0.1:5432 (trust
auth, database ``test``). Both variables are read once, at import, before the suite's
environment isolation removes the product's variables: they steer the suite, not the product.
Without a reachable server the PostgreSQL tests skip and say why, unless
``XERO_WA_REQUIRE_POSTGRES=1`` (set by ``.ci/run``) turns that skip into a failure, so CI cannot
pass by testing one backend only.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from functools import cache

import pytest

from component.storage.database_url import mask_url
from component.storage.postgres_db import with_search_path

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/test"
SERVER_URL = os.environ.get("XERO_WA_TEST_DATABASE_URL") or DEFAULT_URL
REQUIRED = os.environ.get("XERO_WA_REQUIRE_POSTGRES") == "1"


@cache
def unreachable_reason() -> str | None:
    """None when the test server answers; else why not (asked once per test session)."""
    try:
        import psycopg
    except ImportError:
        return "psycopg is not installed (pip install 'xero-wa[postgres]')"
    try:
        with psycopg.connect(SERVER_URL, connect_timeout=3) as conn:
            conn.execute("SELECT 1")
    except psycopg.Error as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        return f"no PostgreSQL for the tests at {mask_url(SERVER_URL)}: {first}"
    return None


def require_server() -> str:
    """The server URL, or skip (fail when ``XERO_WA_REQUIRE_POSTGRES=1``) saying why not."""
    reason = unreachable_reason()
    if reason is not None:
        if REQUIRED:
            pytest.fail(f"{reason} (XERO_WA_REQUIRE_POSTGRES=1)", pytrace=False)
        pytest.skip(reason=reason)
    return SERVER_URL


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A URL whose sessions live in a new, empty schema of the test database."""
    import psycopg

    server = require_server()
    schema = f"xwa_test_{uuid.uuid4().hex[:16]}"
    with psycopg.connect(server, autocommit=True) as admin:
        admin.execute(f'CREATE SCHEMA "{schema}"')
    try:
        yield with_search_path(server, schema)
    finally:
        with psycopg.connect(server, autocommit=True) as admin:
            admin.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
