"""``xero-wa run``: exactly the request Xero expects, JSON out, JSON errors with distinct exit codes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from pytest_httpx import HTTPXMock

CONNECTION = json.dumps(
    {"type": "xeroToken", "accessToken": "cli-secret-token", "tenantId": "tenant-9"}
)


def test_run_list_invoices_sends_exactly_the_xero_request(cli: Any, httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(
        method="GET",
        url=httpx.URL(
            "https://api.xero.com/api.xro/2.0/Invoices",
            params={"where": 'Type=="ACCREC"', "page": "2"},
        ),
        match_headers={
            "Authorization": "Bearer cli-secret-token",
            "Xero-tenant-Id": "tenant-9",
            "Accept": "application/json",
            "If-Modified-Since": "2026-06-01T00:00:00Z",
        },
        json={"Invoices": [{"InvoiceNumber": "INV-0142"}]},
    )
    result = cli(
        "run",
        "listInvoices",
        "--input",
        'where=Type=="ACCREC"',
        "--input",
        "page=2",
        "--input",
        "modifiedAfter=2026-06-01T00:00:00",
        "--connection-value",
        CONNECTION,
    )
    assert result.code == 0, result.err
    assert result.json == {"data": {"Invoices": [{"InvoiceNumber": "INV-0142"}]}}
    assert len(httpx_mock.get_requests()) == 1


def test_connection_from_the_environment(
    cli: Any, httpx_mock: HTTPXMock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XERO_WA_CONNECTION_VALUE", CONNECTION)
    httpx_mock.add_response(match_headers={"Xero-tenant-Id": "tenant-9"}, json={"Invoices": []})
    assert cli("run", "getInvoice", "-i", "invoiceId=INV-1").code == 0


def test_inputs_file_and_stdin(
    cli: Any, httpx_mock: HTTPXMock, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import io

    httpx_mock.add_response(
        url="https://api.xero.com/api.xro/2.0/Invoices/INV-7", json={"Invoices": []}
    )
    httpx_mock.add_response(
        url="https://api.xero.com/api.xro/2.0/Invoices/INV-8", json={"Invoices": []}
    )
    path = tmp_path / "inputs.json"
    path.write_text('{"invoiceId": "INV-7"}')
    assert (
        cli("run", "getInvoice", "--inputs-file", str(path), "--connection-value", CONNECTION).code
        == 0
    )
    monkeypatch.setattr("sys.stdin", io.StringIO('{"invoiceId": "INV-8"}'))
    assert (
        cli("run", "getInvoice", "--inputs-file", "-", "--connection-value", CONNECTION).code == 0
    )


@pytest.mark.parametrize(
    ("argv", "code", "error_code", "fragment"),
    [
        (["run", "getInvoce"], 2, "unknown_key", "did you mean getInvoice"),
        (
            ["run", "getInvoice", "-i", "invoiceID=1", "--connection-value", CONNECTION],
            2,
            "input_error",
            "did you mean invoiceId",
        ),
        (["run", "getInvoice", "-i", "invoiceId"], 2, "input_error", "expected NAME=VALUE"),
        (
            ["run", "getInvoice", "-i", "invoiceId=1", "--connection-value", "{bad"],
            2,
            "input_error",
            "invalid JSON at line 1 column 2",
        ),
        (["run", "getInvoice", "-i", "invoiceId=1"], 4, "connection_error", "xero-wa connect xero"),
        (
            ["run", "getInvoice", "-i", "invoiceId=1", "--connection", "office"],
            4,
            "connection_error",
            "no stored connection named 'office'",
        ),
    ],
)
def test_failures_print_a_json_error_and_a_distinct_exit_code(
    cli: Any, argv: list[str], code: int, error_code: str, fragment: str
) -> None:
    result = cli(*argv)
    assert result.code == code
    assert result.out == ""
    assert result.error["code"] == error_code
    assert fragment in result.error["message"]
    assert "Traceback" not in result.err


def test_inputs_file_errors_name_the_file(cli: Any, tmp_path: Path) -> None:
    path = tmp_path / "bad.json"
    path.write_text("{\n  'invoiceId': 1\n}")
    result = cli("run", "getInvoice", "--inputs-file", str(path))
    assert result.code == 2
    assert result.error["message"].startswith(
        f"invalid input --inputs-file: {path}: invalid JSON at line 2 column 3"
    )
    missing = cli("run", "getInvoice", "--inputs-file", str(tmp_path / "none.json"))
    assert "cannot read" in missing.error["message"]


def test_upstream_errors_exit_5_and_never_echo_the_token(
    cli: Any, httpx_mock: HTTPXMock, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The CLI runs on the real clock: retry the 503 without backoff so the test never sleeps.
    monkeypatch.setenv("XERO_RETRY_BASE_DELAY_SECONDS", "0")
    httpx_mock.add_response(status_code=503, text="down", is_reusable=True)
    result = cli("run", "getInvoice", "-i", "invoiceId=1", "--connection-value", CONNECTION)
    assert result.code == 5
    assert result.error["details"]["retryable"] is True
    assert "cli-secret-token" not in result.err + result.out


def test_debug_shows_the_traceback_of_a_bug(cli: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    def explode(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("boom")

    monkeypatch.setattr("component.executor.Executor.prepare", explode)
    plain = cli("run", "getInvoice")
    assert plain.code == 1
    assert plain.error["code"] == "internal_error"
    assert "Traceback" not in plain.err
    debug = cli("--debug", "run", "getInvoice")
    assert "Traceback" in debug.err
