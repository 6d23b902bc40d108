"""Issue 10 item 1: the data home never depends on the working directory; two stores refuse
to send."""

# SQLite only: where the data home and its file are.

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import platformdirs
import pytest

from component.config import Settings
from component.errors import StoreError
from component.storage.home import check_single_store
from component.storage.store import Store
from tests.cli_support import CliOutcome

Cli = Callable[..., CliOutcome]


def test_the_default_home_is_the_per_user_data_folder_wherever_you_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("XERO_WA_HOME")
    expected = Path(platformdirs.user_data_dir("xero-wa", appauthor=False))
    homes = []
    for folder in ("a", "b"):
        (tmp_path / folder).mkdir()
        monkeypatch.chdir(tmp_path / folder)
        homes.append(Settings(_env_file=None).xero_wa_home)  # type: ignore[call-arg]
    assert homes == [expected, expected]
    assert homes[0].is_absolute()


def test_xero_wa_home_still_overrides(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XERO_WA_HOME", str(tmp_path / "mine"))
    assert Settings(_env_file=None).store_path == tmp_path / "mine" / "state.db"  # type: ignore[call-arg]


def _legacy_store(folder: Path) -> Path:
    path = folder / ".xero-wa" / "state.db"
    Store.open(path).close()
    return path


def test_a_store_in_dot_xero_wa_beside_another_home_refuses_to_send(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    legacy = _legacy_store(tmp_path)
    settings = Settings(_env_file=None, xero_wa_home=tmp_path / "home")  # type: ignore[call-arg]
    with pytest.raises(StoreError) as caught:
        check_single_store(settings)
    message = str(caught.value)
    assert f"two xero-wa stores exist: {legacy}" in message
    assert str(tmp_path / "home" / "state.db") in message
    assert f"set XERO_WA_HOME={legacy.parent.resolve()}" in message
    same = Settings(_env_file=None, xero_wa_home=tmp_path / ".xero-wa")  # type: ignore[call-arg]
    check_single_store(same)  # the configured home is that folder: one store, fine


def test_remind_serve_and_write_actions_refuse_while_reads_still_work(
    cli: Cli, cli_home: Path, tmp_path: Path
) -> None:
    legacy = _legacy_store(tmp_path)  # cli_home's cwd is tmp_path
    for argv in (
        ["remind", "--json"],
        ["serve", "--port", "0"],
        ["worker", "--once"],
        ["run", "createContact", "-i", "name=Acme"],
    ):
        outcome = cli(*argv)
        assert outcome.code == 11, (argv, outcome.err)
        assert f"two xero-wa stores exist: {legacy}" in outcome.error["message"], argv
    assert not (cli_home / "state.db").exists()  # nothing was created in the other home
    assert cli("connections", "--json").code == 0
    assert cli("run", "listContacts", "--sandbox").code == 0
