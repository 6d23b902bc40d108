"""CLI tests run ``main()`` in-process with an isolated environment."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from component.cli import main
from component.config import get_settings


@dataclass
class Outcome:
    code: int
    out: str
    err: str

    @property
    def json(self) -> Any:
        return json.loads(self.out)

    @property
    def error(self) -> Any:
        return json.loads(self.err)["error"]


@pytest.fixture
def cli(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Iterator[Any]:
    for name in (
        "XERO_WA_CONNECTION_VALUE",
        "XERO_API_URL",
        "XERO_IDENTITY_URL",
        "XERO_CONNECTIONS_URL",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("XERO_WA_HOME", str(tmp_path / "home"))
    monkeypatch.chdir(tmp_path)
    get_settings.cache_clear()

    def run(*argv: str) -> Outcome:
        code = main(list(argv))
        captured = capsys.readouterr()
        return Outcome(code, captured.out, captured.err)

    yield run
    get_settings.cache_clear()
