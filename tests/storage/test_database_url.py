"""Masking XERO_WA_DATABASE_URL for messages: only the password goes, wherever the URL holds it."""

from __future__ import annotations

import subprocess
import sys

from component.storage.database_url import mask_url, password_of


def test_the_password_in_the_authority_is_masked() -> None:
    assert mask_url("postgresql://app:s3cr%40t@db:5432/xw") == "postgresql://app:***@db:5432/xw"
    assert mask_url("mysql://app:hunter2@db.example:3306/xw") == (
        "mysql://app:***@db.example:3306/xw"
    )


def test_the_password_in_the_query_is_masked() -> None:
    assert mask_url("postgresql://app@db/xw?sslmode=require&password=s3cret") == (
        "postgresql://app@db/xw?sslmode=require&password=***"
    )


def test_a_url_without_a_password_is_shown_whole() -> None:
    assert mask_url("postgresql://h/d") == "postgresql://h/d"
    assert mask_url("postgresql://app@h:5432/d?sslmode=require") == (
        "postgresql://app@h:5432/d?sslmode=require"
    )


def test_an_unparsable_url_shows_nothing_of_itself() -> None:
    assert mask_url("postgresql://app:pw@[::1/d") == "(an unparsable URL)"


def test_the_password_is_found_to_be_scrubbed() -> None:
    assert password_of("postgresql://app:s3cr%40t@db/xw") == "s3cr@t"
    assert password_of("postgresql://app@db/xw?password=p%26q") == "p&q"
    assert password_of("postgresql://app@db/xw") is None


def test_without_the_driver_the_error_says_what_to_install_and_masks_the_url() -> None:
    """Without psycopg (a plain `pip install xero-wa`), a PostgreSQL URL is refused with the
    install command, the URL masked: masking must not need the driver it is reporting missing."""
    code = (
        "import sys; sys.modules['psycopg'] = None\n"
        "from component.storage.database import StoreError\n"
        "from component.storage.opening import open_postgres\n"
        "try:\n"
        "    open_postgres('postgresql://app:hunter2@db.example/xw')\n"
        "except StoreError as exc:\n"
        "    print(exc.message)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == (
        "XERO_WA_DATABASE_URL=postgresql://app:***@db.example/xw needs the PostgreSQL backend: "
        "pip install 'xero-wa[postgres]'"
    )
