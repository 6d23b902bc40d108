"""Fixtures for CLI-level connection tests: ``main()`` in-process with an isolated environment."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from component.cli import main
from component.config import get_settings
from tests.connections.oauth_cli_support import CliOutcome

ENV_NAMES = (
    "XERO_WA_CONNECTION_VALUE",
    "XERO_WA_SECRET_KEY",
    "XERO_API_URL",
    "XERO_IDENTITY_URL",
    "XERO_LOGIN_URL",
    "XERO_CONNECTIONS_URL",
    "XERO_CLIENT_ID",
    "XERO_CLIENT_SECRET",
    "WHATSAPP_ACCESS_TOKEN",
    "WHATSAPP_APP_SECRET",
    "WHATSAPP_VERIFY_TOKEN",
)


@pytest.fixture
def cli_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    for name in ENV_NAMES:
        monkeypatch.delenv(name, raising=False)
    home = tmp_path / "home"
    monkeypatch.setenv("XERO_WA_HOME", str(home))
    monkeypatch.chdir(tmp_path)
    get_settings.cache_clear()
    yield home
    get_settings.cache_clear()


@pytest.fixture
def xero_wa(cli_home: Path, capsys: pytest.CaptureFixture[str]) -> Callable[..., CliOutcome]:
    def run(*argv: str) -> CliOutcome:
        code = main(list(argv))
        captured = capsys.readouterr()
        return CliOutcome(code, captured.out, captured.err)

    return run
