"""``xero-wa connect / connections / disconnect`` end to end, with a scripted browser.

The tests of what is stored (connections, their tokens, their removal) run on SQLite and on
PostgreSQL (tests/storage/postgres_backends.py): they take ``store_env``. The data folder's
modes are the SQLite file's concern and run on SQLite only.
"""

from __future__ import annotations

import os
import stat
import webbrowser
from collections.abc import Callable
from pathlib import Path

import pytest
from pytest_httpx import HTTPXMock

from component.config import Settings
from component.oauth.access import token_repo
from component.runtime import Runtime
from tests.cli_support import CliOutcome
from tests.connections.oauth_cli_support import Browser, free_port
from tests.connections.oauth_fixtures import (
    BASIC,
    CLIENT_ID,
    CLIENT_SECRET,
    CONNECTIONS_URL,
    REVOKE_URL,
    TOKEN_URL,
    form,
    store_connection,
    token_body,
)
from tests.storage import postgres_backends

settings = postgres_backends.settings
store_backend = postgres_backends.store_backend
store_env = postgres_backends.store_env
#: The test reads what the commands stored: it runs on both backends.
stored = pytest.mark.usefixtures("store_env")

Run = Callable[..., CliOutcome]
TENANTS = [
    {"id": "conn-1", "tenantId": "tenant-1", "tenantName": "Acme Ltd"},
    {"id": "conn-2", "tenantId": "tenant-2", "tenantName": "Globex"},
]


@pytest.fixture
def browser(monkeypatch: pytest.MonkeyPatch) -> Browser:
    fake = Browser()
    monkeypatch.setattr(webbrowser, "open", fake.open)
    return fake


@pytest.fixture
def app_env(monkeypatch: pytest.MonkeyPatch, cli_home: Path) -> None:
    monkeypatch.setenv("XERO_CLIENT_ID", CLIENT_ID)
    monkeypatch.setenv("XERO_CLIENT_SECRET", CLIENT_SECRET)


def xero_consents(httpx_mock: HTTPXMock, n: int = 0) -> None:
    httpx_mock.add_response(method="POST", url=TOKEN_URL, json=token_body(n))
    httpx_mock.add_response(method="GET", url=CONNECTIONS_URL, json=TENANTS)


def connect(xero_wa: Run, *extra: str) -> CliOutcome:
    redirect = f"http://127.0.0.1:{free_port()}/callback"
    return xero_wa("connect", "xero", "--name", "acme", "--redirect-uri", redirect, *extra)


@stored
def test_connect_xero_runs_the_browser_flow_and_stores_the_connection(
    xero_wa: Run, app_env: None, browser: Browser, httpx_mock: HTTPXMock
) -> None:
    browser.forged_first = True
    xero_consents(httpx_mock)
    result = connect(xero_wa, "--tenant", "globex")
    assert result.code == 0, result.err
    assert result.json["data"]["tenantName"] == "Globex"
    assert result.json["data"]["name"] == "acme"
    assert browser.failures == []
    assert browser.statuses == [400, 200]  # the forged callback neither finished nor broke it
    assert browser.opened[0] in result.err  # the URL is printed too, for a remote terminal
    [request] = httpx_mock.get_requests(url=TOKEN_URL)
    assert request.headers["Authorization"] == BASIC
    assert form(request)["code"] == "the-code"

    listed = xero_wa("connections", "--json")
    [row] = listed.json
    assert row["values"]["clientSecret"] == "***"
    assert row["values"]["clientId"] == CLIENT_ID
    assert (row["status"], row["tenantName"], row["type"]) == ("active", "Globex", "xeroOAuth2")
    for text in (result.out, result.err, listed.out, listed.err):
        assert CLIENT_SECRET not in text
        assert "RT0" not in text
        assert "AT0" not in text


@stored
def test_reconnecting_reuses_the_stored_settings(
    xero_wa: Run,
    app_env: None,
    browser: Browser,
    httpx_mock: HTTPXMock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    xero_consents(httpx_mock)
    assert connect(xero_wa, "--tenant", "Acme Ltd").code == 0
    monkeypatch.delenv("XERO_CLIENT_ID")
    monkeypatch.delenv("XERO_CLIENT_SECRET")
    xero_consents(httpx_mock, 1)
    again = connect(xero_wa)
    assert again.code == 0, again.err
    assert again.json["data"]["tenantName"] == "Acme Ltd"  # the stored tenant choice is kept
    second = httpx_mock.get_requests(url=TOKEN_URL)[1]
    assert second.headers["Authorization"] == BASIC


def test_a_refused_consent_exits_4_with_the_command_to_retry(
    xero_wa: Run, app_env: None, browser: Browser
) -> None:
    browser.error = "access_denied"
    result = connect(xero_wa)
    assert result.code == 4
    assert "access_denied" in result.error["message"]
    assert "xero-wa connect xero --name acme" in result.error["message"]


def test_without_a_terminal_a_missing_secret_names_the_variable(xero_wa: Run) -> None:
    result = xero_wa("connect", "xero", "--client-id", CLIENT_ID)
    assert result.code == 2
    assert "set XERO_CLIENT_SECRET (in the environment or .env)" in result.error["message"]


def test_connect_client_credentials(xero_wa: Run, app_env: None, httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(method="POST", url=TOKEN_URL, json=token_body(0, refresh=False))
    httpx_mock.add_response(method="GET", url=CONNECTIONS_URL, json=TENANTS[:1])
    result = xero_wa("connect", "xero", "--client-credentials", "--name", "custom")
    assert result.code == 0, result.err
    assert result.json["data"]["type"] == "xeroClientCredentials"
    assert form(httpx_mock.get_requests(url=TOKEN_URL)[0])["grant_type"] == "client_credentials"


@stored
def test_connect_whatsapp_from_the_environment(
    xero_wa: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WHATSAPP_ACCESS_TOKEN", "EAAG-whatsapp-token")
    monkeypatch.setenv("WHATSAPP_APP_SECRET", "meta-app-secret")
    monkeypatch.setenv("WHATSAPP_VERIFY_TOKEN", "verify-me")
    result = xero_wa(
        "connect", "whatsapp", "--phone-number-id", "1065", "--business-account-id", "1022"
    )
    assert result.code == 0, result.err
    [row] = xero_wa("connections", "--json").json
    assert row["name"] == "whatsapp"
    assert row["family"] == "whatsapp"
    assert row["values"] == {
        "accessToken": "***",
        "phoneNumberId": "1065",
        "businessAccountId": "1022",
        "appSecret": "***",
        "verifyToken": "***",
        "apiVersion": "v23.0",
        "provider": "meta",
        "baseUrl": None,
        "authHeader": None,
        "authScheme": None,
        "pathStyle": None,
        "webhookSignature": "meta",
        "webhookHeader": None,
    }


@stored
def test_disconnect_removes_the_tenant_at_xero_then_forgets_it(
    xero_wa: Run, app_env: None, browser: Browser, httpx_mock: HTTPXMock, cli_home: Path
) -> None:
    xero_consents(httpx_mock)
    assert connect(xero_wa, "--tenant", "Globex").code == 0
    httpx_mock.add_response(
        method="DELETE",
        url=f"{CONNECTIONS_URL}/conn-2",
        match_headers={"Authorization": "Bearer AT0"},
        status_code=204,
    )
    httpx_mock.add_response(method="POST", url=REVOKE_URL, status_code=200)
    result = xero_wa("disconnect", "acme", "--revoke")
    assert result.code == 0, result.err
    assert result.json["data"] == {
        "name": "acme",
        "type": "xeroOAuth2",
        "disconnectedTenant": "tenant-2",
        "revoked": True,
        "forgotten": True,
    }
    [revocation] = httpx_mock.get_requests(url=REVOKE_URL)
    assert form(revocation) == {"token": "RT0"}
    assert revocation.headers["Authorization"] == BASIC
    assert xero_wa("connections", "--json").json == []
    assert list((cli_home / "locks").glob("*")) == []


def test_disconnect_of_an_unknown_name_is_an_input_error(xero_wa: Run) -> None:
    result = xero_wa("disconnect", "nope")
    assert result.code == 2
    assert "no stored connection named 'nope'" in result.error["message"]


def test_a_connection_that_needs_reauthorisation_is_listed_with_its_fix(
    xero_wa: Run, store_env: Settings
) -> None:
    runtime = Runtime(settings=store_env)
    store_connection(runtime)
    token_repo(runtime).mark_needs_reauth(
        "acme", "Xero refused its refresh token", runtime.clock.now()
    )
    runtime.store.close()

    [row] = xero_wa("connections", "--json").json
    assert row["status"] == "needs_reauth"
    assert row["fix"] == "run `xero-wa connect xero --name acme`"
    table = xero_wa("connections").out
    assert (
        "acme: Xero refused its refresh token. Fix: run `xero-wa connect xero --name acme`" in table
    )
    failed = xero_wa("run", "getOrganisation", "--connection", "acme")
    assert failed.code == 4
    assert failed.error["details"]["reconnect"] == "run `xero-wa connect xero --name acme`"


WHATSAPP_ENV = {
    "WHATSAPP_ACCESS_TOKEN": "EAAG-whatsapp-token",
    "WHATSAPP_APP_SECRET": "meta-app-secret",
    "WHATSAPP_VERIFY_TOKEN": "verify-me",
    "WHATSAPP_PHONE_NUMBER_ID": "1065",
}
PLAIN_WARNING = "warning: XERO_WA_SECRET_KEY is not set"


def connect_whatsapp(xero_wa: Run, monkeypatch: pytest.MonkeyPatch) -> CliOutcome:
    for name, value in WHATSAPP_ENV.items():
        monkeypatch.setenv(name, value)
    return xero_wa("connect", "whatsapp")


def test_connect_warns_once_that_tokens_are_stored_unencrypted(
    xero_wa: Run, monkeypatch: pytest.MonkeyPatch, store_env: Settings
) -> None:
    """Issue 10 item 35: without XERO_WA_SECRET_KEY tokens are kept in plain text; connect
    says so, once, naming where they are kept (the file, or the PostgreSQL database) and the
    variable that fixes it (never the database's password)."""
    url = store_env.xero_wa_database_url
    if url is not None:  # a password the local server (trust auth) does not ask for
        with_password = url.get_secret_value().replace("postgres@", "postgres:s3cret-pw@", 1)
        monkeypatch.setenv("XERO_WA_DATABASE_URL", with_password)
    result = connect_whatsapp(xero_wa, monkeypatch)
    assert result.code == 0, result.err
    assert result.err.count(PLAIN_WARNING) == 1
    if url is None:
        assert f"unencrypted in {store_env.store_path} (readable only by you);" in result.err
    else:
        masked = url.get_secret_value().replace("postgres@", "postgres:***@", 1)
        assert f"unencrypted in the database {masked};" in result.err
        assert "s3cret-pw" not in result.err
        assert str(store_env.store_path) not in result.err
    assert "EAAG-whatsapp-token" not in result.err


def test_connect_does_not_warn_when_secrets_are_encrypted(
    xero_wa: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XERO_WA_SECRET_KEY", "a long passphrase for the tests")
    result = connect_whatsapp(xero_wa, monkeypatch)
    assert result.code == 0, result.err
    assert PLAIN_WARNING not in result.err


def test_a_data_folder_open_to_others_is_made_private_before_a_secret_is_stored(
    xero_wa: Run, monkeypatch: pytest.MonkeyPatch, cli_home: Path
) -> None:
    """A folder created beforehand with mode 0755 (mkdir's default) was kept as it was."""
    cli_home.mkdir(mode=0o755)
    os.chmod(cli_home, 0o755)  # noqa: S103 - the loose folder under test
    result = connect_whatsapp(xero_wa, monkeypatch)
    assert result.code == 0, result.err
    assert stat.S_IMODE(cli_home.stat().st_mode) == 0o700
    assert f"{cli_home} was open to other users (mode 755); it is now 700" in result.err


def test_a_data_folder_that_cannot_be_made_private_is_refused_with_the_reason(
    xero_wa: Run, monkeypatch: pytest.MonkeyPatch, cli_home: Path
) -> None:
    cli_home.mkdir(mode=0o755)
    os.chmod(cli_home, 0o755)  # noqa: S103 - the loose folder under test

    def refuse(path: object, mode: int) -> None:
        raise PermissionError(1, "Operation not permitted")

    monkeypatch.setattr("component.private_home.os.chmod", refuse)
    result = connect_whatsapp(xero_wa, monkeypatch)
    assert result.code == 10
    assert result.error["code"] == "config_error"
    assert result.error["details"]["problems"][0]["variable"] == "XERO_WA_HOME"
    assert "open to other users (mode 755)" in result.error["message"]
    assert "Operation not permitted" in result.error["message"]
    monkeypatch.undo()
    assert not (cli_home / "state.db").exists()  # nothing was stored
