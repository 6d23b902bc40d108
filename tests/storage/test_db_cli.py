"""``xero-wa db status|upgrade|backup``, automatic upgrades and ``serve``'s refusal (issue 10
item 2, issue 12 item 1)."""

# SQLite only: older and newer stores are SQLite files written by hand, and backups are file
# copies (PostgreSQL is backed up with pg_dump).

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from component.clock import FakeClock
from component.config import Settings
from component.runtime import Runtime
from component.storage import migrations
from component.storage.schema import MIGRATIONS
from component.storage.store import Store
from tests.cli_support import CliOutcome

Cli = Callable[..., CliOutcome]


def _older_store(path: Path, steps: int) -> None:
    """A store made by an older xero-wa: only the first ``steps`` migrations applied."""
    path.parent.mkdir(parents=True, exist_ok=True)
    db = sqlite3.connect(path, isolation_level=None)
    try:
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("CREATE TABLE _migrations (id TEXT PRIMARY KEY)")
        for migration in MIGRATIONS[:steps]:
            for statement in migrations.statements(migration.sql):
                db.execute(statement)
            db.execute("INSERT INTO _migrations VALUES (?)", (migration.id,))
    finally:
        db.close()


def test_db_status_of_a_new_store(cli: Cli, cli_home: Path) -> None:
    outcome = cli("db", "status", "--json")
    assert outcome.code == 0, outcome.err
    data = outcome.json["data"]
    assert data["location"] == str(cli_home / "state.db")
    assert data["schemaVersion"] == data["codeSchemaVersion"] == len(MIGRATIONS)
    assert data["pending"] == []
    assert data["readOnly"] is False


def test_db_status_names_pending_migrations_without_applying_them(cli: Cli, cli_home: Path) -> None:
    _older_store(cli_home / "state.db", 4)
    outcome = cli("db", "status")
    assert outcome.code == 0, outcome.err
    assert f"schema version: 4 (this xero-wa: {len(MIGRATIONS)};" in outcome.out
    assert "run `xero-wa db upgrade`" in outcome.out
    assert f"  pending:      {MIGRATIONS[4].id}" in outcome.out
    store = Store.open(cli_home / "state.db", policy="none")
    try:
        assert store.schema().version == 4  # status changed nothing
    finally:
        store.close()


def test_db_upgrade_backs_up_then_applies(cli: Cli, cli_home: Path) -> None:
    _older_store(cli_home / "state.db", 4)
    outcome = cli("db", "upgrade", "--json")
    assert outcome.code == 0, outcome.err
    data = outcome.json["data"]
    assert data["applied"] == [m.id for m in MIGRATIONS[4:]]
    assert data["schemaVersion"] == len(MIGRATIONS)
    backup = Path(data["backup"])
    assert backup.parent == cli_home / "backups"
    copy = sqlite3.connect(backup)
    try:
        assert copy.execute("SELECT count(*) FROM _migrations").fetchone()[0] == 4
    finally:
        copy.close()
    assert cli("db", "upgrade").out.endswith(f"is current (schema version {len(MIGRATIONS)})\n")


def test_db_status_and_upgrade_of_a_store_before_the_numbers_sharing(
    cli: Cli, cli_home: Path
) -> None:
    """The previous xero-wa's store (no 2210): status names the step, upgrade applies it."""
    previous = len(MIGRATIONS) - 1
    assert MIGRATIONS[previous].id == "2210_whatsapp_sharing"
    _older_store(cli_home / "state.db", previous)
    outcome = cli("db", "status")
    assert outcome.code == 0, outcome.err
    assert f"schema version: {previous} (this xero-wa: {len(MIGRATIONS)};" in outcome.out
    assert "  pending:      2210_whatsapp_sharing" in outcome.out
    outcome = cli("db", "upgrade", "--json")
    assert outcome.code == 0, outcome.err
    assert outcome.json["data"]["applied"] == ["2210_whatsapp_sharing"]
    assert outcome.json["data"]["schemaVersion"] == len(MIGRATIONS)
    status = cli("db", "status", "--json").json["data"]
    assert status["schemaVersion"] == status["codeSchemaVersion"] == len(MIGRATIONS)
    assert status["pending"] == []


def test_a_cli_command_upgrades_an_older_store_after_a_backup(cli: Cli, cli_home: Path) -> None:
    _older_store(cli_home / "state.db", 4)
    outcome = cli("connections", "--json")
    assert outcome.code == 0, outcome.err
    assert len(list((cli_home / "backups").glob("state-*.db"))) == 1
    store = Store.open(cli_home / "state.db", policy="none")
    try:
        assert store.schema().current
    finally:
        store.close()


def test_an_automatic_upgrade_names_its_backup_from_the_runtimes_clock(tmp_path: Path) -> None:
    home = tmp_path / "home"
    _older_store(home / "state.db", 4)
    clock = FakeClock(datetime(2026, 3, 4, 5, 6, 7, tzinfo=UTC))
    settings = Settings(_env_file=None, xero_wa_home=home)  # type: ignore[call-arg]
    runtime = Runtime(settings=settings, clock=clock)
    try:
        assert runtime.store.schema().current
    finally:
        asyncio.run(runtime.aclose())
    assert [p.name for p in (home / "backups").iterdir()] == ["state-20260304T050607Z.db"]


def test_serve_refuses_an_older_store_and_names_the_command(cli: Cli, cli_home: Path) -> None:
    _older_store(cli_home / "state.db", 4)
    for command in (["serve", "--port", "0"], ["worker", "--once"]):
        outcome = cli(*command)
        assert outcome.code == 11, outcome.err
        error = outcome.error
        assert error["code"] == "store_error"
        assert str(cli_home / "state.db") in error["message"]
        assert "`xero-wa db upgrade`" in error["message"]
    store = Store.open(cli_home / "state.db", policy="none")
    try:
        assert store.schema().version == 4  # serve changed nothing
    finally:
        store.close()


def test_serve_refuses_a_newer_store(cli: Cli, cli_home: Path) -> None:
    Store.open(cli_home / "state.db").close()
    db = sqlite3.connect(cli_home / "state.db", isolation_level=None)
    db.execute("INSERT INTO _migrations VALUES ('9999_newer')")
    db.close()
    outcome = cli("serve", "--port", "0")
    assert outcome.code == 11
    assert "written by a newer xero-wa" in outcome.error["message"]


def test_a_zero_byte_store_fails_every_command_with_exit_11(cli: Cli, cli_home: Path) -> None:
    Store.open(cli_home / "state.db").close()
    assert cli("db", "backup").code == 0
    (cli_home / "state.db").write_bytes(b"")
    outcome = cli("connections")
    assert outcome.code == 11
    assert "is empty (0 bytes)" in outcome.error["message"]
    assert str(cli_home / "backups") in outcome.error["message"]
    assert (cli_home / "state.db").stat().st_size == 0


def test_db_backup_writes_where_asked(cli: Cli, cli_home: Path, tmp_path: Path) -> None:
    Store.open(cli_home / "state.db").close()
    target = tmp_path / "copy.db"
    outcome = cli("db", "backup", "--to", str(target), "--json")
    assert outcome.code == 0, outcome.err
    assert outcome.json["data"]["backup"] == str(target)
    assert target.read_bytes().startswith(b"SQLite format 3\x00")


def test_a_lost_store_is_reported_by_read_commands_not_shown_as_empty(
    cli: Cli, cli_home: Path
) -> None:
    Store.open(cli_home / "state.db").close()
    (cli_home / "state.db").unlink()
    for argv in (["connections", "--json"], ["runs", "--json"], ["db", "status"]):
        outcome = cli(*argv)
        assert outcome.code == 11, (argv, outcome.out)
        assert "is missing, but a store existed here" in outcome.error["message"]
    assert not (cli_home / "state.db").exists()
