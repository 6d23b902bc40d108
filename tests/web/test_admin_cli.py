"""``xero-wa admin``: owner accounts with argon2 hashes, passwords only from stdin or a prompt."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from pathlib import Path

import pytest

from component.config import Settings
from component.storage.store import Store
from component.web import passwords
from tests.cli_support import CliOutcome


def store_at(home: Path) -> Store:
    return Store.open(Settings(_env_file=None, xero_wa_home=home).store_path)  # type: ignore[call-arg]


def with_stdin(monkeypatch: pytest.MonkeyPatch, text: str) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(text))


def test_create_stores_an_argon2id_hash_and_never_the_password(
    cli: Callable[..., CliOutcome], cli_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with_stdin(monkeypatch, "a long enough password\n")
    outcome = cli("admin", "create", "Owner", "--password-stdin")
    assert outcome.code == 0, outcome.err
    assert json.loads(outcome.out) == {"data": {"username": "owner", "created": True}}
    store = store_at(cli_home)
    account = store.accounts.get("OWNER")
    assert account is not None
    assert account.password_hash.startswith("$argon2id$")
    assert passwords.verify(account.password_hash, "a long enough password")
    assert not passwords.verify(account.password_hash, "a long enough password\n")
    raw = store.path.read_bytes()
    assert b"a long enough password" not in raw
    store.close()


def test_create_twice_says_how_to_change_the_password(
    cli: Callable[..., CliOutcome], monkeypatch: pytest.MonkeyPatch
) -> None:
    with_stdin(monkeypatch, "a long enough password\n")
    assert cli("admin", "create", "owner", "--password-stdin").code == 0
    with_stdin(monkeypatch, "another long password\n")
    again = cli("admin", "create", "owner", "--password-stdin")
    assert again.code == 2
    error = json.loads(again.err)["error"]
    assert error["details"]["fields"][0]["field"] == "username"
    assert "xero-wa admin password owner --password-stdin" in error["message"]


@pytest.mark.parametrize(
    ("username", "password", "field"),
    [
        ("owner", "short\n", "password"),
        ("bad name!", "a long enough password\n", "username"),
        ("owner", "", "password"),
    ],
)
def test_bad_usernames_and_passwords_are_refused(
    cli: Callable[..., CliOutcome],
    monkeypatch: pytest.MonkeyPatch,
    username: str,
    password: str,
    field: str,
) -> None:
    with_stdin(monkeypatch, password)
    outcome = cli("admin", "create", username, "--password-stdin")
    assert outcome.code == 2
    assert json.loads(outcome.err)["error"]["details"]["fields"][0]["field"] == field


def test_without_password_stdin_and_no_terminal_it_says_how(
    cli: Callable[..., CliOutcome], monkeypatch: pytest.MonkeyPatch
) -> None:
    with_stdin(monkeypatch, "a long enough password\n")
    outcome = cli("admin", "create", "owner")
    assert outcome.code == 2
    assert "--password-stdin" in json.loads(outcome.err)["error"]["message"]


def test_password_list_and_delete(
    cli: Callable[..., CliOutcome], cli_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with_stdin(monkeypatch, "a long enough password\n")
    cli("admin", "create", "owner", "--password-stdin")
    with_stdin(monkeypatch, "the new long password\n")
    assert cli("admin", "password", "owner", "--password-stdin").code == 0
    store = store_at(cli_home)
    account = store.accounts.get("owner")
    assert account is not None
    assert passwords.verify(account.password_hash, "the new long password")
    store.close()
    assert json.loads(cli("admin", "list").out) == {"data": {"usernames": ["owner"]}}
    assert cli("admin", "delete", "owner").code == 0
    assert cli("admin", "delete", "owner").code == 2
    assert json.loads(cli("admin", "list").out) == {"data": {"usernames": []}}
