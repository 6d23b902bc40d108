"""``xero-wa sandbox ...`` argument handling (the running-server paths are in test_serve.py)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from component.cli import build_parser, main

CLI = [sys.executable, "-c", "import sys; from component.cli import main; sys.exit(main())"]


def test_sandbox_commands_are_registered() -> None:
    parser = build_parser()
    args = parser.parse_args(
        ["sandbox", "serve", "--port", "0", "--invoices", "10", "--reset-rate", "0.5"]
    )
    assert args.port == 0
    assert args.invoices == 10
    assert args.reset_rate == 0.5
    assert parser.parse_args(["sandbox", "advance", "30"]).seconds == 30.0
    assert parser.parse_args(["sandbox", "intent-check", "http://x/hook"]).target == "http://x/hook"


def test_cli_module_imports_only_the_standard_library() -> None:
    code = (
        "import sys, component.cli.sandbox; "
        "print(any(m.split('.')[0] in ('starlette', 'httpx', 'uvicorn', 'pydantic') "
        "for m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert result.stdout.strip() == "False"


def test_bare_sandbox_prints_its_help(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sandbox"]) == 2
    assert "serve" in capsys.readouterr().out


def test_bad_config_file_and_bad_values_are_input_errors(tmp_path: Path) -> None:
    config = tmp_path / "sandbox.yaml"
    config.write_text("limits:\n  per_minute: -1\n", encoding="utf-8")
    result = subprocess.run(
        [*CLI, "sandbox", "serve", "--port", "0", "--config", str(config)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert json.loads(result.stderr)["error"]["code"] == "input_error"
    bad_rate = subprocess.run(
        [*CLI, "sandbox", "serve", "--port", "0", "--error-500-rate", "3"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert bad_rate.returncode == 2
    bad_today = subprocess.run(
        [*CLI, "sandbox", "serve", "--port", "0", "--today", "soon"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert bad_today.returncode == 2
