"""Versioned migrations: a store carries its schema version; newer stores are refused."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from component.config import Settings
from component.storage import migrations
from component.storage.database import StoreError
from component.storage.migrations import Migration
from component.storage.rate_ledger import Pace
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


def test_a_store_of_the_previous_version_gains_the_numbers_sharing_and_keeps_its_schedule(
    store_target: Path | Settings,
) -> None:
    """A store written before the ledger knew whether a number is shared (2210): the upgrade
    adds it, and the number's schedule the older xero-wa left is kept (its next slot)."""
    _previous_version(store_target)
    store = Store.open(store_target, policy="none")
    try:
        with store.db.transaction() as conn:
            conn.execute(
                "INSERT INTO rate_scopes (scope, next_slot, updated_at) VALUES (?, ?, ?)",
                ("whatsapp:106540352242922", 1_000_500_000, 1_000_000_000),
            )
        before = store.schema()
        assert before.version == len(MIGRATIONS) - 1
        assert [m.id for m in before.pending] == ["2210_whatsapp_sharing"]
        assert before.automatic  # a CLI command applies it by itself
    finally:
        store.close()
    store = Store.open(store_target)  # as any command does: applies it
    try:
        assert store.schema().current
        pace = Pace(solo=0.0125, shared=0.02, handover=0.03)
        block = store.rate_ledger.claim_slots("106540352242922", 4, pace, 1000.0, claimant="a")
        assert (block.first, block.count, block.shared) == (1000.5, 4, False)
        block = store.rate_ledger.claim_slots("106540352242922", 1, pace, 1000.1, claimant="a")
        assert (block.first, block.shared) == (1000.55, False)  # after the first, solo still
    finally:
        store.close()


def _previous_version(target: Path | Settings) -> None:
    """The store the previous xero-wa made: every migration but the last (a new SQLite file is
    built whole, so the older one is written by hand, as the test above does)."""
    if isinstance(target, Path):
        db = sqlite3.connect(target, isolation_level=None)
        db.execute("CREATE TABLE _migrations (id TEXT PRIMARY KEY)")
        for migration in MIGRATIONS[:-1]:
            for statement in migrations.statements(migration.sql):
                db.execute(statement)
            db.execute("INSERT INTO _migrations VALUES (?)", (migration.id,))
        db.close()
        return
    store = Store.open(target, policy="none")  # an empty PostgreSQL schema stays empty
    try:
        migrations.upgrade(store.db, MIGRATIONS[:-1])
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
