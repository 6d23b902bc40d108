"""Issue 10 item 17: a read-only or immutable store (or folder) still serves read-only commands;
writes fail with a clear error naming the file. Opening never runs chmod or a migration write
on it."""

# SQLite only: a read-only file or folder; PostgreSQL's missing privileges are in
# test_postgres_db.py.

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import pytest

from component.storage.store import Store
from tests.cli_support import CliOutcome

Cli = Callable[..., CliOutcome]


@contextmanager
def read_only(*paths: Path) -> Iterator[None]:
    """Make ``paths`` unwritable for this user: chmod, or for root (whom chmod does not stop)
    the immutable attribute."""
    if os.geteuid() != 0:
        modes = {p: p.stat().st_mode & 0o777 for p in paths}
        for p in paths:
            p.chmod(0o555 if p.is_dir() else 0o444)
        try:
            yield
        finally:
            for p, mode in modes.items():
                p.chmod(mode)
        return
    if shutil.which("chattr") is None:
        why = "running as root without chattr: nothing makes a file read-only for root"
        pytest.skip(reason=why)
    done: list[Path] = []
    try:
        for p in paths:
            result = subprocess.run(["chattr", "+i", str(p)], capture_output=True, check=False)
            if result.returncode != 0:
                pytest.skip(reason=f"running as root and chattr +i is refused: {result.stderr!r}")
            done.append(p)
        yield
    finally:
        for p in done:
            subprocess.run(["chattr", "-i", str(p)], check=True)


def _populated(home: Path) -> None:
    store = Store.open(home / "state.db")
    try:
        store.connections.put("acme", "whatsapp_cloud", "whatsapp", {"phoneNumberId": "1"})
        store.invoice_facts.remember_invoice(
            "t1",
            {"InvoiceID": "7d2a4c1e-0000-0000-0000-000000000001", "InvoiceNumber": "INV-0001"},
            datetime(2026, 7, 1, tzinfo=UTC),
        )
    finally:
        store.close()


READ_COMMANDS = (
    ("connections", "--json"),
    ("runs", "--json"),
    ("history", "--invoice", "INV-0001", "--json"),
    ("db", "status", "--json"),
    ("optouts", "list", "--json"),
)


@pytest.mark.parametrize("folder_too", [False, True], ids=["file", "file-and-folder"])
def test_read_only_commands_work_on_a_read_only_store(
    cli: Cli, cli_home: Path, folder_too: bool
) -> None:
    _populated(cli_home)
    path = cli_home / "state.db"
    before = path.read_bytes()
    with read_only(path, *([cli_home] if folder_too else [])):
        outcomes = {argv[0] + " " + argv[1]: cli(*argv) for argv in READ_COMMANDS}
        doctor = cli("doctor", "--json")
    for name, outcome in outcomes.items():
        assert outcome.code == 0, (name, outcome.err)
    assert [c["name"] for c in outcomes["connections --json"].json] == ["acme"]
    assert outcomes["db status"].json["data"]["readOnly"] is True
    checks = {c["name"]: c for c in doctor.json["data"]["checks"]}
    assert checks["access"]["status"] == "warn"
    assert checks["integrity"]["status"] == "ok"
    assert doctor.code == 0, doctor.out
    assert path.read_bytes() == before  # nothing written, not even a chmod or a migration


def test_a_write_to_a_read_only_store_names_the_file(cli: Cli, cli_home: Path) -> None:
    _populated(cli_home)
    path = cli_home / "state.db"
    with read_only(path, cli_home):
        outcome = cli("optouts", "add", "--phone", "+919820012345")
    assert outcome.code == 11, outcome.err
    assert outcome.error["code"] == "store_error"
    assert f"the store {path} is read-only" in outcome.error["message"]
