"""The control API and fault injection."""

from __future__ import annotations

import httpx
import pytest

from component.clock import FakeClock
from component.sandbox.config import FaultsConfig
from component.sandbox.state import SandboxState
from tests.sandbox.conftest import XeroHelper

pytestmark = pytest.mark.anyio
ORG = "/api.xro/2.0/Organisation"


async def test_index_lists_credentials_and_tenants(client: httpx.AsyncClient) -> None:
    info = (await client.get("/_sandbox/")).json()
    assert info["xero"]["client_id"] == "SANDBOX-XERO-CLIENT-ID"
    assert [t["tenantName"] for t in info["xero"]["tenants"]] == [
        "Demo Company (IN)",
        "Demo Company (NZ)",
    ]
    assert info["whatsapp"]["phone_number_id"]


async def test_seed_is_deterministic_and_resizable(
    client: httpx.AsyncClient, sandbox: SandboxState
) -> None:
    first = (await client.post("/_sandbox/seed", json={"today": "2026-06-23"})).json()
    ids = sorted(sandbox.xero.orgs[sandbox.xero.demo_tenant_id].invoices)
    again = (await client.post("/_sandbox/seed", json={"today": "2026-06-23"})).json()
    assert first == again
    assert sorted(sandbox.xero.orgs[sandbox.xero.demo_tenant_id].invoices) == ids
    bigger = (await client.post("/_sandbox/seed", json={"invoices": 500, "contacts": 20})).json()
    tenant = sandbox.xero.demo_tenant_id
    assert bigger["data"][tenant]["invoices"] == 500
    assert bigger["data"][tenant]["contacts"] == 20
    other = (await client.post("/_sandbox/seed", json={"seed": 7})).json()
    assert other["tenants"][0]["tenantId"] != first["tenants"][0]["tenantId"]
    assert (await client.post("/_sandbox/seed", json={"today": "soon"})).status_code == 400


async def test_advance_moves_sandbox_time_and_expires_tokens(
    client: httpx.AsyncClient, h: dict[str, str], clock: FakeClock
) -> None:
    assert (await client.get(ORG, headers=h)).status_code == 200
    moved = (await client.post("/_sandbox/clock/advance", json={"seconds": 1800})).json()
    assert moved["offset_seconds"] == 1800
    assert (await client.get(ORG, headers=h)).status_code == 401
    assert clock.now().isoformat() != moved["now"]  # the client's clock did not move
    assert (await client.post("/_sandbox/clock/advance", json={"seconds": -5})).status_code == 400


async def test_stats_count_endpoints_and_token_grants(
    xero: XeroHelper, client: httpx.AsyncClient
) -> None:
    headers = await xero.api_headers()
    for _ in range(3):
        await client.get(
            f"/api.xro/2.0/Invoices/{'0' * 8}-0000-0000-0000-{'0' * 12}", headers=headers
        )
    stats = (await client.get("/_sandbox/stats")).json()
    assert stats["calls"]["GET /api.xro/2.0/Invoices/{InvoiceID}"] == 3
    assert stats["calls"]["POST /connect/token"] == 1
    assert stats["calls"]["GET /identity/connect/authorize"] == 1
    assert stats["responses"]["GET /api.xro/2.0/Invoices/{InvoiceID} 404"] == 3
    assert stats["token_grants"] == {"authorization_code": 1}


async def test_whatsapp_calls_are_counted_by_route_and_a_wrong_method_is_a_405(
    client: httpx.AsyncClient,
) -> None:
    """The WhatsApp routes are built on first use, yet route as if listed in place."""
    token = {"Authorization": "Bearer sandbox-whatsapp-access-token"}
    assert (await client.get("/v23.0/106540352242922", headers=token)).status_code == 200
    wrong = await client.put("/v23.0/106540352242922/messages", headers=token)
    assert wrong.status_code == 405
    stats = (await client.get("/_sandbox/stats")).json()
    assert stats["calls"]["GET /{version:graphversion}/{object_id}"] == 1
    assert stats["responses"]["PUT /{version:graphversion}/{phone_number_id}/messages 405"] == 1


async def test_limits_and_faults_can_be_changed_at_runtime(
    client: httpx.AsyncClient, h: dict[str, str]
) -> None:
    limits = (await client.put("/_sandbox/limits", json={"per_minute": 1})).json()
    assert limits["per_minute"] == 1
    assert limits["per_day"] == 5000
    await client.get(ORG, headers=h)
    assert (await client.get(ORG, headers=h)).status_code == 429
    assert (await client.put("/_sandbox/limits", json={"per_minute": 0})).status_code == 400
    faults = (await client.put("/_sandbox/faults", json={"error_503_rate": 1.0})).json()
    assert faults["error_503_rate"] == 1.0
    assert (await client.put("/_sandbox/faults", json={"nope": 1})).status_code == 400


async def test_500_and_503_faults(
    client: httpx.AsyncClient, h: dict[str, str], sandbox: SandboxState
) -> None:
    sandbox.faults.configure(FaultsConfig(error_500_rate=1.0))
    response = await client.get(ORG, headers=h)
    assert response.status_code == 500
    sandbox.faults.configure(FaultsConfig(error_503_rate=1.0))
    assert (await client.get(ORG, headers=h)).status_code == 503
    assert (await client.get("/_sandbox/stats")).status_code == 200  # control never fails
    assert sandbox.stats()["faults_injected"] == {"500": 1, "503": 1}


async def test_reset_fault_raises_a_transport_error(
    client: httpx.AsyncClient, h: dict[str, str], sandbox: SandboxState
) -> None:
    sandbox.faults.configure(FaultsConfig(reset_rate=1.0, path_prefixes=["/api.xro/"]))
    with pytest.raises(httpx.RemoteProtocolError):
        await client.get(ORG, headers=h)
    assert (await client.get("/connections", headers=h)).status_code == 200
    stats = sandbox.stats()
    assert "GET /api.xro/2.0/Organisation" not in stats["calls"]
    assert stats["faults_injected"] == {"reset": 1}


async def test_slow_fault_waits_on_the_sandbox_clock(
    client: httpx.AsyncClient, h: dict[str, str], sandbox: SandboxState, clock: FakeClock
) -> None:
    sandbox.faults.configure(FaultsConfig(slow_rate=1.0, slow_seconds=12.5))
    await client.get(ORG, headers=h)
    assert clock.slept == [12.5]


async def test_faults_are_reproducible_from_the_seed(
    client: httpx.AsyncClient, h: dict[str, str], sandbox: SandboxState
) -> None:
    async def run() -> list[int]:
        sandbox.faults.configure(FaultsConfig(error_500_rate=0.3, seed=11))
        sandbox.xero.limiter.reset()
        return [(await client.get(ORG, headers=h)).status_code for _ in range(20)]

    first = await run()
    assert 500 in first
    assert 200 in first
    assert await run() == first


async def test_whatsapp_control_routes_are_mounted(client: httpx.AsyncClient) -> None:
    response = await client.get("/_sandbox/whatsapp/messages")
    assert response.status_code == 200
    assert response.json() == {"messages": []}


async def test_reset_restores_a_fresh_sandbox(
    client: httpx.AsyncClient, h: dict[str, str], sandbox: SandboxState
) -> None:
    await client.put("/api.xro/2.0/Contacts", json={"Name": "Temp"}, headers=h)
    assert (await client.post("/_sandbox/reset")).json()["ok"] is True
    org = sandbox.xero.orgs[sandbox.xero.demo_tenant_id]
    assert org.contact_by_name("Temp") is None
    assert sandbox.stats()["calls"] == {}
