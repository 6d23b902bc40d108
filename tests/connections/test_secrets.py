"""Planted secrets never appear in logs (DEBUG), CLI output, error bodies or reprs."""

from __future__ import annotations

import logging
import webbrowser
from collections.abc import Callable
from typing import Any

import pytest
from pytest_httpx import HTTPXMock

from component import errors
from component.clock import FakeClock
from component.runtime import Runtime
from component.sessions import resolve
from tests.cli_support import CliOutcome
from tests.connections.oauth_cli_support import Browser, free_port
from tests.connections.oauth_fixtures import (
    CLIENT_ID,
    CONNECTIONS_URL,
    ORG_BODY,
    ORG_URL,
    TOKEN_URL,
    store_connection,
)

Run = Callable[..., CliOutcome]
CLIENT_SECRET = "PLANTED-client-secret-5c1e"
ACCESS = ("PLANTED-access-one-9b7d", "PLANTED-access-two-9b7d")
REFRESH = ("PLANTED-refresh-one-4e2a", "PLANTED-refresh-two-4e2a")
WHATSAPP_TOKEN = "PLANTED-whatsapp-token-0d3f"
PLANTED = (CLIENT_SECRET, *ACCESS, *REFRESH, WHATSAPP_TOKEN)


def tokens(n: int) -> dict[str, Any]:
    return {"access_token": ACCESS[n], "refresh_token": REFRESH[n], "expires_in": 1800}


def assert_clean(*texts: str) -> None:
    for text in texts:
        for secret in PLANTED:
            assert secret not in text


def test_no_planted_secret_escapes_through_the_cli(
    xero_wa: Run,
    httpx_mock: HTTPXMock,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    monkeypatch.setattr(webbrowser, "open", Browser().open)
    monkeypatch.setenv("XERO_CLIENT_ID", CLIENT_ID)
    monkeypatch.setenv("XERO_CLIENT_SECRET", CLIENT_SECRET)
    monkeypatch.setenv("WHATSAPP_ACCESS_TOKEN", WHATSAPP_TOKEN)
    outputs: list[CliOutcome] = []

    httpx_mock.add_response(method="POST", url=TOKEN_URL, json=tokens(0))
    httpx_mock.add_response(
        method="GET", url=CONNECTIONS_URL, json=[{"id": "c1", "tenantId": "t1", "tenantName": "A"}]
    )
    redirect = f"http://127.0.0.1:{free_port()}/callback"
    outputs.append(
        xero_wa("--debug", "connect", "xero", "--name", "acme", "--redirect-uri", redirect)
    )
    outputs.append(xero_wa("--debug", "connect", "whatsapp", "--phone-number-id", "1065"))
    outputs.append(xero_wa("--debug", "connections", "--json"))
    outputs.append(xero_wa("--debug", "connections"))
    outputs.append(xero_wa("manifest"))

    # A call whose token was revoked at Xero: 401, refresh, replay.
    httpx_mock.add_response(
        method="GET", url=ORG_URL, status_code=401, json={"Title": "Unauthorized"}
    )
    httpx_mock.add_response(method="POST", url=TOKEN_URL, json=tokens(1))
    httpx_mock.add_response(method="GET", url=ORG_URL, json=ORG_BODY)
    outputs.append(xero_wa("--debug", "run", "getOrganisation", "--connection", "acme"))

    # Then the refresh token dies: the error body must still be clean.
    httpx_mock.add_response(
        method="GET", url=ORG_URL, status_code=401, json={"Title": "Unauthorized"}
    )
    httpx_mock.add_response(
        method="POST",
        url=TOKEN_URL,
        status_code=400,
        json={"error": "invalid_grant", "error_description": "refresh token is invalid"},
    )
    failed = xero_wa("--debug", "run", "getOrganisation", "--connection", "acme")
    outputs.append(failed)

    assert [o.code for o in outputs] == [0, 0, 0, 0, 0, 0, 4]
    assert "xero-wa connect xero --name acme" in failed.error["message"]
    assert_clean(caplog.text, *(o.out + o.err for o in outputs))


@pytest.mark.anyio
async def test_reprs_and_error_bodies_of_a_live_session_are_clean(
    runtime: Runtime, clock: FakeClock, httpx_mock: HTTPXMock, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    store_connection(
        runtime,
        access=ACCESS[0],
        refresh=REFRESH[0],
        values={"clientId": CLIENT_ID, "clientSecret": CLIENT_SECRET},
    )
    session = await resolve(runtime, "acme", "xero")
    clock.advance(1800)
    httpx_mock.add_response(
        method="POST", url=TOKEN_URL, status_code=400, json={"error": "invalid_grant"}
    )
    with pytest.raises(errors.ConnectionError) as caught:
        await session.auth.keeper.access_token()  # type: ignore[attr-defined]
    assert_clean(
        caplog.text,
        repr(session),
        repr(session.auth),
        str(caught.value),
        repr(caught.value.to_dict()),
        repr(runtime.shared),
    )
