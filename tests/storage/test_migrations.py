"""Versioned migrations: a store carries its schema version; newer stores are refused."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from component.config import Settings
from component.storage import migrations
from component.storage.database import StoreError
from component.storage.migrations import Migration
from component.storage.schema import MIGRATIONS
from component.storage.store import Store
from tests.storage import postgres_backends

# The first test runs on both backends; the others write an SQLite file by hand (an older or a
# newer store), so they stay on SQLite.
settings = postgres_backends.settings
store_backend = postgres_backends.store_backend
store_target = postgres_backends.store_target


def test_a_new_store_is_at_the_code_version(store_target: Path | Settings) -> None:
    store = Store.open(store_target)
    try:
        status = store.schema()
        assert status.version == status.code_version == len(MIGRATIONS)
        assert status.pending == ()
        assert status.current
    finally:
        store.close()


def test_an_older_store_is_upgraded_step_by_step(tmp_path: Path) -> None:
    first_three = MIGRATIONS[:3]
    db = sqlite3.connect(tmp_path / "state.db", isolation_level=None)
    db.execute("CREATE TABLE _migrations (id TEXT PRIMARY KEY)")
    for migration in first_three:
        for statement in migrations.statements(migration.sql):
            db.execute(statement)
        db.execute("INSERT INTO _migrations VALUES (?)", (migration.id,))
    db.close()
    store = Store.open(tmp_path / "state.db", policy="none")
    try:
        before = store.schema()
        assert before.version == 3
        assert [m.id for m in before.pending] == [m.id for m in MIGRATIONS[3:]]
        assert migrations.upgrade(store.db) == [m.id for m in MIGRATIONS[3:]]
        assert store.schema().version == len(MIGRATIONS)
        assert migrations.upgrade(store.db) == []  # idempotent
    finally:
        store.close()


def test_a_store_written_by_newer_code_is_refused_naming_the_file(tmp_path: Path) -> None:
    Store.open(tmp_path / "state.db").close()
    db = sqlite3.connect(tmp_path / "state.db", isolation_level=None)
    db.execute("INSERT INTO _migrations VALUES ('9999_from_the_future')")
    db.close()
    with pytest.raises(StoreError) as caught:
        Store.open(tmp_path / "state.db")
    assert str(tmp_path / "state.db") in caught.value.message
    assert "9999_from_the_future" in caught.value.message
    assert caught.value.exit_code == 11


def test_postgres_ddl_overrides_the_portable_sql_only_on_postgres() -> None:
    step = Migration(
        "0001_x",
        "CREATE TABLE x (id INTEGER PRIMARY KEY)",
        postgres="CREATE TABLE x (id BIGSERIAL)",
    )
    assert step.sql_for("sqlite") == step.sql
    assert step.sql_for("postgres") == "CREATE TABLE x (id BIGSERIAL)"


def test_statements_ignore_semicolons_in_comments_and_strings() -> None:
    sql = "CREATE TABLE a (x TEXT DEFAULT ';'); -- a; comment\nCREATE TABLE b (y TEXT);\n-- tail;"
    assert [s.strip() for s in migrations.statements(sql)] == [
        "CREATE TABLE a (x TEXT DEFAULT ';');",
        "-- a; comment\nCREATE TABLE b (y TEXT);",
    ]
