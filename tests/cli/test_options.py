"""Command-line options: checked before any call, results never lost, secrets kept out of ``ps``.

Issue 10 item 3 (``run createInvoice ... --output FILE`` created the invoice, then failed on the
output option, losing the new id), item 35 (``--connection-value @FILE`` and ``-``) and item 32
(``--debug`` after the sub-command, ``--version``, usage errors as JSON like every failure).
"""

from __future__ import annotations

import base64
import io
import json
from pathlib import Path
from typing import Any

import pytest
from pytest_httpx import HTTPXMock

from component.cli import COMMAND_MODULES

API = "https://api.xero.com/api.xro/2.0"
TENANT = "6f2d6b9e-1c1a-4c53-9a43-0d1f5f7e2a10"
TOKEN = {"type": "xeroToken", "accessToken": "secret-cli-token", "tenantId": TENANT}
CONNECTION = json.dumps(TOKEN)
NEW_INVOICE = ["-i", "type=ACCREC", "-i", "contactId=c-1", "-i", 'lineItems=[{"Description":"x"}]']


def test_a_bad_output_path_is_refused_before_anything_is_sent(
    cli: Any, httpx_mock: HTTPXMock, tmp_path: Path
) -> None:
    target = tmp_path / "no-such-folder" / "invoice.json"
    result = cli(
        "run",
        "createInvoice",
        *NEW_INVOICE,
        "--connection-value",
        CONNECTION,
        "--output",
        str(target),
    )
    assert result.code == 2
    assert result.error["details"]["fields"] == [
        {"field": "--output", "reason": f"{target}: the folder {target.parent} does not exist"}
    ]
    assert httpx_mock.get_requests() == []


def test_output_on_an_action_that_answers_json_is_refused_before_the_call(
    cli: Any, httpx_mock: HTTPXMock, tmp_path: Path
) -> None:
    result = cli(
        "run",
        "createInvoice",
        *NEW_INVOICE,
        "--connection-value",
        CONNECTION,
        "--output",
        str(tmp_path / "out.bin"),
    )
    assert result.code == 2
    [field] = result.error["details"]["fields"]
    assert field["field"] == "--output"
    assert "createInvoice answers json, not a file" in field["reason"]
    assert httpx_mock.get_requests() == []


def test_a_result_is_printed_when_saving_it_fails_afterwards(
    cli: Any, httpx_mock: HTTPXMock, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    httpx_mock.add_response(
        url=f"{API}/Invoices/inv-1/pdf",
        content=b"%PDF-1.4 x",
        headers={"Content-Type": "application/pdf"},
    )

    def disk_full(self: Path, data: bytes) -> int:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(Path, "write_bytes", disk_full)
    result = cli(
        "run",
        "getInvoicePdf",
        "-i",
        "invoiceId=inv-1",
        "--connection-value",
        CONNECTION,
        "--output",
        str(tmp_path / "inv.pdf"),
    )
    assert result.code == 2
    assert base64.b64decode(result.json["data"]["base64"]) == b"%PDF-1.4 x"
    assert "No space left on device" in result.error["message"]


def test_output_saves_a_file_result(cli: Any, httpx_mock: HTTPXMock, tmp_path: Path) -> None:
    httpx_mock.add_response(
        url=f"{API}/Invoices/inv-1/pdf",
        content=b"%PDF-1.4 x",
        headers={"Content-Type": "application/pdf"},
    )
    target = tmp_path / "inv.pdf"
    result = cli(
        "run",
        "getInvoicePdf",
        "-i",
        "invoiceId=inv-1",
        "--connection-value",
        CONNECTION,
        "-o",
        str(target),
    )
    assert result.code == 0, result.err
    assert result.json["data"]["savedTo"] == str(target)
    assert target.read_bytes() == b"%PDF-1.4 x"


def test_connection_value_from_a_file(cli: Any, httpx_mock: HTTPXMock, tmp_path: Path) -> None:
    httpx_mock.add_response(
        url=f"{API}/Invoices/inv-1",
        match_headers={"Authorization": "Bearer secret-cli-token", "Xero-tenant-Id": TENANT},
        json={"Invoices": [{"InvoiceID": "inv-1"}]},
    )
    path = tmp_path / "xero.json"
    path.write_text(CONNECTION)
    result = cli("run", "getInvoice", "-i", "invoiceId=inv-1", "--connection-value", f"@{path}")
    assert result.code == 0, result.err
    assert result.json == {"data": {"Invoices": [{"InvoiceID": "inv-1"}]}}


def test_connection_value_from_stdin(
    cli: Any, httpx_mock: HTTPXMock, monkeypatch: pytest.MonkeyPatch
) -> None:
    httpx_mock.add_response(
        url=f"{API}/Invoices/inv-1",
        match_headers={"Authorization": "Bearer secret-cli-token"},
        json={"Invoices": []},
    )
    monkeypatch.setattr("sys.stdin", io.StringIO(CONNECTION))
    result = cli("run", "getInvoice", "-i", "invoiceId=inv-1", "--connection-value", "-")
    assert result.code == 0, result.err


def test_connection_value_file_problems_name_the_option(cli: Any, tmp_path: Path) -> None:
    missing = tmp_path / "none.json"
    result = cli("run", "getInvoice", "-i", "invoiceId=1", "--connection-value", f"@{missing}")
    assert result.code == 2
    assert result.error["details"]["fields"][0]["field"] == "--connection-value"
    assert f"cannot read {missing}" in result.error["message"]
    bad = tmp_path / "bad.json"
    bad.write_text("{oops")
    result = cli("run", "getInvoice", "-i", "invoiceId=1", "--connection-value", f"@{bad}")
    assert result.error["details"]["fields"][0]["field"] == f"--connection-value ({bad})"


def test_only_one_option_may_read_stdin(cli: Any, httpx_mock: HTTPXMock) -> None:
    result = cli("run", "getInvoice", "--inputs-file", "-", "--connection-value", "-")
    assert result.code == 2
    assert result.error["details"]["fields"] == [
        {
            "field": "--connection-value",
            "reason": "standard input is already read by --inputs-file; use @FILE for one",
        }
    ]


def test_a_usage_mistake_is_a_json_input_error_naming_the_option(cli: Any) -> None:
    result = cli("serve", "--port", "http")
    assert result.code == 2
    assert result.out == ""
    assert result.error["code"] == "input_error"
    assert result.error["details"]["fields"] == [
        {"field": "--port", "reason": "'http' is not a whole number"}
    ]
    assert result.error["details"]["usage"].startswith("usage: xero-wa serve")
    missing = cli("run")
    assert missing.error["details"]["fields"] == [{"field": "key", "reason": "is required"}]


def test_the_command_table_names_what_each_module_registers() -> None:
    """A command line builds only the module its command is listed under: a command missing
    from the table would be built only by ``--help``, and run by no command line."""
    import argparse
    import importlib

    from component.cli import COMMAND_MODULES

    for module, names in COMMAND_MODULES.items():
        commands = argparse.ArgumentParser().add_subparsers()
        importlib.import_module(f"component.cli.{module}").register(commands)
        assert tuple(commands.choices) == names, module


EVERY_COMMAND = [name for names in COMMAND_MODULES.values() for name in names]


@pytest.mark.parametrize("argv", [["--help"], ["--debug", "--help"], ["--he", "run"]])
def test_help_lists_every_command(
    cli_home: Path, capsys: pytest.CaptureFixture[str], argv: list[str]
) -> None:
    from component.cli import main

    with pytest.raises(SystemExit) as info:
        main(argv)
    assert info.value.code == 0
    lines = capsys.readouterr().out.splitlines()
    listed = [line.split()[0] for line in lines if line.startswith("    ") and line[4] != " "]
    assert listed == EVERY_COMMAND


def test_a_commands_help_is_the_same_as_in_the_whole_parser(
    cli_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from component.cli import build_parser, main

    whole = build_parser()
    with pytest.raises(SystemExit):
        whole.parse_args(["run", "--help"])
    expected = capsys.readouterr().out
    with pytest.raises(SystemExit) as info:
        main(["run", "--help"])
    assert info.value.code == 0
    assert capsys.readouterr().out == expected
    assert expected.startswith("usage: xero-wa run [-h]")


def test_a_mistyped_command_is_refused_with_every_command(cli: Any) -> None:
    result = cli("--debug", "runn", "getInvoice")
    assert result.code == 2
    choices = ", ".join(repr(name) for name in EVERY_COMMAND)
    assert result.error["details"]["fields"] == [
        {"field": "COMMAND", "reason": f"invalid choice: 'runn' (choose from {choices})"}
    ]
    assert (
        result.error["details"]["usage"] == "usage: xero-wa [-h] [--version] [--debug] COMMAND ..."
    )


def test_remind_checks_as_of_before_anything_runs(cli: Any, httpx_mock: HTTPXMock) -> None:
    result = cli("remind", "--as-of", "14/07/2026", "--connection-value", CONNECTION)
    assert result.code == 2
    assert result.error["details"]["fields"] == [
        {"field": "--as-of", "reason": "'14/07/2026' is not a date (YYYY-MM-DD)"}
    ]
    assert httpx_mock.get_requests() == []


@pytest.mark.parametrize("where", ["before", "after"])
def test_debug_is_accepted_before_or_after_the_command(cli: Any, where: str) -> None:
    argv = ["describe", "nope"]
    argv = ["--debug", *argv] if where == "before" else [*argv, "--debug"]
    result = cli(*argv)
    assert result.code == 2
    assert result.error["code"] == "unknown_key"


def test_debug_after_the_command_shows_the_traceback(
    cli: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("boom")

    monkeypatch.setattr("component.registry.Registry.load", broken)
    plain = cli("actions")
    assert plain.code == 1
    assert "Traceback" not in plain.err
    debug = cli("actions", "--debug")
    assert debug.code == 1
    assert "Traceback" in debug.err
    assert "RuntimeError: boom" in debug.err


def test_version(cli_home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from importlib import metadata

    from component.cli import main

    with pytest.raises(SystemExit) as info:
        main(["--version"])
    assert info.value.code == 0
    assert capsys.readouterr().out == f"xero-wa {metadata.version('xero-wa')}\n"


def test_persistent_429s_show_the_wait_then_fail_rate_limited(
    cli: Any, httpx_mock: HTTPXMock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 10 item 16 as a user meets it: the CLI says it is waiting and why, and stops with
    rate_limited (exit 6) once the bound is reached, instead of minutes without output."""
    from component.clock import FakeClock, SystemClock

    fake = FakeClock()  # the CLI's system clock, moved instead of slept
    for name in ("now", "monotonic", "sleep"):
        monkeypatch.setattr(SystemClock, name, lambda self, *a, _n=name: getattr(fake, _n)(*a))
    monkeypatch.setenv("XERO_RATE_LIMIT_MAX_WAIT_SECONDS", "90")
    httpx_mock.add_response(
        url=f"{API}/Invoices/inv-1",
        status_code=429,
        headers={"X-Rate-Limit-Problem": "minute", "Retry-After": "60"},
        is_reusable=True,
    )
    result = cli("run", "getInvoice", "-i", "invoiceId=inv-1", "--connection-value", CONNECTION)
    assert result.code == 6
    assert result.out == ""
    assert fake.slept == [60.0]
    assert result.error["code"] == "rate_limited"
    assert result.error["details"]["retryAfter"] == 60.0
    assert (
        "one call waits at most 90 s in all: XERO_RATE_LIMIT_MAX_WAIT_SECONDS"
        in (result.error["message"])
    )
    assert "Xero's minute rate limit: waiting 60 s before retrying getInvoice" in result.err, (
        result.err
    )


def test_the_readme_names_exactly_the_commands_that_take_sandbox() -> None:
    """Issue 10 item 32: the README said `--sandbox` works on "any command", but `connections`,
    `describe`, `orgs` and `events` refuse it. The README's list is the parser's."""
    import argparse
    import re

    from component.cli import build_parser

    def with_sandbox(parser: argparse.ArgumentParser, prefix: str) -> set[str]:
        found: set[str] = set()
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                for name, sub in action.choices.items():
                    found |= with_sandbox(sub, f"{prefix} {name}".strip())
            elif "--sandbox" in action.option_strings:
                found.add(prefix)
        return found

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    [claim] = re.findall(
        r"`--sandbox` \(on every command that calls Xero or WhatsApp: (.*?)\)", readme, re.S
    )
    claimed: set[str] = set()
    for name in re.findall(r"`([^`]+)`", claim):
        head, _, variants = " ".join(name.split()).rpartition(" ")
        claimed |= {f"{head} {v}".strip() for v in variants.split("|")}
    assert with_sandbox(build_parser(), "") == claimed


def readme_connection_example() -> list[str]:
    """The README's own `run listInvoices ... --connection-value '{...…...}'` command."""
    import re
    import shlex

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    [command] = re.findall(
        r"^xero-wa (run listInvoices \\\n.*?--connection-value '.*?')$", readme, re.M | re.S
    )
    return shlex.split(command.replace("\\\n", " "))


def test_the_readmes_connection_value_example_is_a_clear_input_error(
    cli: Any, httpx_mock: HTTPXMock
) -> None:
    """Issue 10 item 5: the README's example (placeholders "…") printed a traceback (exit 1)
    before anything was checked; it is an input error naming the field, and nothing is sent."""
    argv = readme_connection_example()
    assert argv[-1] == '{"type":"xeroToken","accessToken":"…","tenantId":"…"}'
    result = cli(*argv)
    assert result.code == 2
    assert "Traceback" not in result.err
    assert result.error["code"] == "input_error"
    assert [f["field"] for f in result.error["details"]["fields"]] == ["tenantId"]
    assert httpx_mock.get_requests() == []
