"""A webhook event's tenantId selects that tenant of the connection; others are errors."""

from __future__ import annotations

import pytest
from pytest_httpx import HTTPXMock

from component import errors
from component.oauth.access import token_repo
from component.oauth.tenants import select_tenant
from component.runtime import Runtime
from component.sessions import resolve
from component.xero.client import XeroClient
from tests.connections.oauth_fixtures import (
    ACME,
    CONNECTIONS_URL,
    ORG_BODY,
    ORG_URL,
    store_connection,
)

pytestmark = pytest.mark.anyio


async def test_with_tenant_aims_calls_at_another_of_the_connections_tenants(
    runtime: Runtime, httpx_mock: HTTPXMock
) -> None:
    store_connection(runtime)
    session = await resolve(runtime, "acme", "xero")
    assert session.tenant_id == "tenant-1"
    other = session.with_tenant("TENANT-2")
    httpx_mock.add_response(
        method="GET", url=ORG_URL, match_headers={"Xero-tenant-Id": "tenant-2"}, json=ORG_BODY
    )
    await XeroClient(runtime, other).get_json("/Organisation")


async def test_a_tenant_the_connection_does_not_reach_is_an_error(runtime: Runtime) -> None:
    store_connection(runtime)
    session = await resolve(runtime, "acme", "xero")
    with pytest.raises(errors.ConnectionError) as caught:
        session.with_tenant("tenant-9")
    assert "does not reach the Xero organisation tenant-9" in caught.value.message
    assert "xero-wa connect xero --name acme" in caught.value.message


async def test_select_tenant_lists_once_for_an_unknown_tenant_and_caches_the_answer(
    runtime: Runtime, httpx_mock: HTTPXMock
) -> None:
    store_connection(runtime, tenants=(ACME,))
    session = await resolve(runtime, "acme", "xero")
    httpx_mock.add_response(
        method="GET",
        url=CONNECTIONS_URL,
        json=[
            {"id": "conn-1", "tenantId": "tenant-1", "tenantName": "Acme Ltd"},
            {"id": "conn-3", "tenantId": "tenant-3", "tenantName": "Newly Connected"},
        ],
        is_reusable=True,
    )
    selected = await select_tenant(runtime, session, "tenant-3")
    assert selected.tenant_id == "tenant-3"
    record = token_repo(runtime).get("acme")
    assert record is not None
    assert record.tenant("tenant-3") is not None
    assert record.tenant_id == "tenant-1"  # the connection's own tenant is unchanged
    with pytest.raises(errors.ConnectionError, match="tenant-404"):
        await select_tenant(runtime, session, "tenant-404")
    assert len(httpx_mock.get_requests(url=CONNECTIONS_URL)) == 2
