"""``xero-wa doctor``: store path, schema version, integrity, connections, configuration."""

# SQLite only: the doctor's file checks (integrity, empty file) on a data-home store.

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from pytest_httpx import HTTPXMock

from component import doctor
from component.oauth.token_set import TokenSet
from component.runtime import Runtime
from component.storage.crypto import PLAIN
from component.storage.store import Store
from component.storage.tokens import TokenRepo
from tests.cli_support import CliOutcome
from tests.connections.oauth_fixtures import CONNECTIONS_URL, store_connection

Cli = Callable[..., CliOutcome]


def _checks(outcome: CliOutcome) -> dict[str, dict[str, str]]:
    return {c["name"]: c for c in outcome.json["data"]["checks"]}


def test_a_healthy_new_store(cli: Cli, cli_home: Path) -> None:
    Store.open(cli_home / "state.db").close()
    outcome = cli("doctor", "--json")
    assert outcome.code == 0, outcome.err
    checks = _checks(outcome)
    assert checks["store"]["detail"] == f"sqlite store at {cli_home / 'state.db'}"
    assert checks["schema"]["status"] == "ok"
    assert checks["integrity"] == {
        "name": "integrity",
        "status": "ok",
        "detail": "PRAGMA quick_check: ok",
    }
    assert checks["connections"]["status"] == "warn"


def test_a_connection_that_needs_reauthorisation_fails_with_the_fix(
    cli: Cli, cli_home: Path
) -> None:
    store = Store.open(cli_home / "state.db")
    try:
        store.connections.put("acme", "xero_oauth", "xero", {})
        tokens = TokenRepo(store, PLAIN)
        now = datetime(2026, 7, 1, tzinfo=UTC)
        tokens.save(
            "acme",
            "authorization_code",
            TokenSet("at", now - timedelta(hours=1), "rt", "offline_access"),
            now,
        )
        tokens.mark_needs_reauth("acme", "invalid_grant", now)
    finally:
        store.close()
    outcome = cli("doctor")
    assert outcome.code == 12
    assert "FAIL connection acme: needs_reauth: invalid_grant" in outcome.out
    assert "     fix: run `xero-wa connect xero --name acme`" in outcome.out


def test_corruption_inside_the_file_fails_the_integrity_check(cli: Cli, cli_home: Path) -> None:
    path = cli_home / "state.db"
    store = Store.open(path)
    try:
        for n in range(300):
            store.connections.put(f"c{n:04}", "xero_oauth", "xero", {"pad": "y" * 300})
    finally:
        store.close()
    data = bytearray(path.read_bytes())
    page = int.from_bytes(data[16:18], "big")
    for offset in range(len(data) - 4 * page, len(data) - page):
        data[offset] = 0x5A  # three of the last pages (the connections table's) overwritten
    path.write_bytes(bytes(data))
    outcome = cli("doctor", "--json")
    assert outcome.code == 12
    checks = _checks(outcome)
    assert checks["store"]["status"] == "ok"
    assert checks["integrity"]["status"] == "fail"
    assert checks["integrity"]["detail"].startswith("PRAGMA quick_check: ")


def test_configuration_problems_are_listed_and_the_rest_still_checked(
    cli: Cli, cli_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    Store.open(cli_home / "state.db").close()
    monkeypatch.setenv("XERO_DAILY_CALL_BUDGET", "abc")
    outcome = cli("doctor", "--json")
    assert outcome.code == 12
    checks = outcome.json["data"]["checks"]
    assert checks[0]["status"] == "fail"
    assert checks[0]["detail"].startswith("XERO_DAILY_CALL_BUDGET='abc' (environment variable)")
    assert _checks(outcome)["store"]["detail"] == f"sqlite store at {cli_home / 'state.db'}"


def test_a_zero_byte_store_fails_the_store_check(cli: Cli, cli_home: Path) -> None:
    cli_home.mkdir(parents=True)
    (cli_home / "state.db").write_bytes(b"")
    outcome = cli("doctor")
    assert outcome.code == 12
    assert f"FAIL store: the store {cli_home / 'state.db'} is empty (0 bytes)" in outcome.out


@pytest.mark.anyio
async def test_online_asks_xero_for_the_organisations_of_each_login(
    runtime: Runtime, httpx_mock: HTTPXMock
) -> None:
    store_connection(runtime, "acme")
    httpx_mock.add_response(
        method="GET", url=CONNECTIONS_URL, json=[{"tenantId": "tenant-1"}, {"tenantId": "t2"}]
    )
    checks = await doctor.online_checks(runtime)
    assert checks == [
        doctor.Check("connection acme (online)", "ok", "Xero answered; 2 organisation(s) reachable")
    ]
    assert httpx_mock.get_requests()[0].headers["Authorization"] == "Bearer AT0"


@pytest.mark.anyio
async def test_online_names_a_login_xero_refuses(runtime: Runtime, httpx_mock: HTTPXMock) -> None:
    store_connection(runtime, "acme")
    httpx_mock.add_response(method="GET", url=CONNECTIONS_URL, status_code=403, json={})
    checks = await doctor.online_checks(runtime)
    assert [(c.status, c.detail, c.fix) for c in checks] == [
        ("fail", "Xero answered 403", "xero-wa connect xero --name acme")
    ]
