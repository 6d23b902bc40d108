"""Custom connections: client-credentials tokens, fetched again on expiry; no tenant header."""

from __future__ import annotations

import pytest
from pytest_httpx import HTTPXMock

from component import errors
from component.clock import FakeClock
from component.oauth.access import token_repo
from component.oauth.manage import connect_client_credentials
from component.runtime import Runtime
from component.sessions import open_value, resolve
from component.xero.client import XeroClient
from tests.connections.oauth_fixtures import (
    BASIC,
    CLIENT_ID,
    CLIENT_SECRET,
    CONNECTIONS_URL,
    ORG_BODY,
    ORG_URL,
    TOKEN_URL,
    form,
    token_body,
)
from tests.storage import postgres_backends

# Every test here runs on SQLite and on PostgreSQL (tests/storage/postgres_backends.py).
settings = postgres_backends.settings
store_backend = postgres_backends.store_backend

pytestmark = pytest.mark.anyio

VALUES = {"clientId": CLIENT_ID, "clientSecret": CLIENT_SECRET}
CC_SCOPES = (
    "accounting.invoices accounting.payments accounting.contacts accounting.settings "
    "accounting.attachments"
)


def cc_token(httpx_mock: HTTPXMock, n: int) -> None:
    httpx_mock.add_response(method="POST", url=TOKEN_URL, json=token_body(n, refresh=False))


async def test_connecting_requests_a_token_and_stores_the_connection(
    runtime: Runtime, httpx_mock: HTTPXMock
) -> None:
    cc_token(httpx_mock, 0)
    httpx_mock.add_response(
        method="GET",
        url=CONNECTIONS_URL,
        json=[{"id": "c1", "tenantId": "tenant-9", "tenantName": "Custom Org"}],
    )
    connected = await connect_client_credentials(runtime, "custom", VALUES)
    assert connected.to_json()["tenantName"] == "Custom Org"
    [request] = httpx_mock.get_requests(url=TOKEN_URL)
    assert request.headers["Authorization"] == BASIC
    assert form(request) == {"grant_type": "client_credentials", "scope": CC_SCOPES}
    record = token_repo(runtime).get("custom")
    assert record is not None
    assert record.grant_type == "client_credentials"
    assert record.refresh_token is None


async def test_an_expired_token_is_replaced_and_calls_carry_no_tenant_header(
    runtime: Runtime, clock: FakeClock, httpx_mock: HTTPXMock
) -> None:
    cc_token(httpx_mock, 0)
    httpx_mock.add_response(method="GET", url=CONNECTIONS_URL, json=[])
    await connect_client_credentials(runtime, "custom", VALUES)
    clock.advance(1800)
    cc_token(httpx_mock, 1)
    httpx_mock.add_response(method="GET", url=ORG_URL, json=ORG_BODY)
    session = await resolve(runtime, "custom", "xero")
    await XeroClient(runtime, session).get_json("/Organisation")

    [call] = httpx_mock.get_requests(url=ORG_URL)
    assert call.headers["Authorization"] == "Bearer AT1"
    assert "Xero-tenant-Id" not in call.headers
    grants = [form(r)["grant_type"] for r in httpx_mock.get_requests(url=TOKEN_URL)]
    assert grants == ["client_credentials", "client_credentials"]


async def test_an_inline_value_works_too_and_keeps_its_token_in_memory(
    runtime: Runtime, httpx_mock: HTTPXMock
) -> None:
    cc_token(httpx_mock, 0)
    httpx_mock.add_response(method="GET", url=ORG_URL, json=ORG_BODY, is_reusable=True)
    session = await open_value(runtime, {"type": "xeroClientCredentials", **VALUES})
    client = XeroClient(runtime, session)
    await client.get_json("/Organisation")
    await client.get_json("/Organisation")
    assert len(httpx_mock.get_requests(url=TOKEN_URL)) == 1
    assert runtime.store.connections.names() == []


async def test_offline_access_is_refused_for_client_credentials(runtime: Runtime) -> None:
    with pytest.raises(errors.InputError, match="offline_access"):
        await connect_client_credentials(
            runtime, "custom", {**VALUES, "scopes": "offline_access accounting.invoices"}
        )


async def test_refused_credentials_name_the_reconnect_command(
    runtime: Runtime, httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_response(
        method="POST", url=TOKEN_URL, status_code=400, json={"error": "invalid_client"}
    )
    with pytest.raises(errors.ConnectionError) as caught:
        await connect_client_credentials(runtime, "custom", VALUES)
    assert "xero-wa connect xero --client-credentials --name custom" in caught.value.message
    assert runtime.store.connections.names() == []


async def test_a_network_failure_on_the_token_request_is_retried(
    runtime: Runtime, httpx_mock: HTTPXMock, clock: FakeClock
) -> None:
    """Each client-credentials request mints an independent token, so resending is safe."""
    import httpx

    httpx_mock.add_exception(httpx.ReadError("connection reset"), method="POST", url=TOKEN_URL)
    httpx_mock.add_response(method="POST", url=TOKEN_URL, status_code=503, text="maintenance")
    cc_token(httpx_mock, 0)
    httpx_mock.add_response(method="GET", url=ORG_URL, json=ORG_BODY)
    session = await open_value(runtime, {"type": "xeroClientCredentials", **VALUES})
    await XeroClient(runtime, session).get_json("/Organisation")
    assert len(httpx_mock.get_requests(url=TOKEN_URL)) == 3
    assert len(clock.slept) == 2


async def test_a_refused_client_is_not_retried(runtime: Runtime, httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(
        method="POST", url=TOKEN_URL, status_code=400, json={"error": "invalid_client"}
    )
    session = await open_value(runtime, {"type": "xeroClientCredentials", **VALUES})
    with pytest.raises(errors.ConnectionError) as info:
        await XeroClient(runtime, session).get_json("/Organisation")
    assert "invalid_client" in info.value.message
    assert len(httpx_mock.get_requests(url=TOKEN_URL)) == 1
