"""``Idempotency-Key`` on writes: replays return the first answer and create nothing."""

from __future__ import annotations

import httpx
import pytest

from component.clock import FakeClock
from component.sandbox.state import SandboxState

pytestmark = pytest.mark.anyio
INV = "/api.xro/2.0/Invoices"
BODY = {
    "Invoices": [
        {
            "Type": "ACCREC",
            "Contact": {"Name": "Idem Potent"},
            "LineItems": [{"Description": "Once", "UnitAmount": 10}],
        }
    ]
}


async def test_replayed_key_returns_first_response_and_creates_nothing(
    client: httpx.AsyncClient, h: dict[str, str], sandbox: SandboxState
) -> None:
    org = sandbox.xero.orgs[sandbox.xero.demo_tenant_id]
    before = len(org.invoices)
    keyed = h | {"Idempotency-Key": "create-inv-1"}
    first = await client.put(INV, json=BODY, headers=keyed)
    second = await client.put(INV, json=BODY, headers=keyed)
    assert first.status_code == second.status_code == 200
    assert second.json() == first.json()
    assert len(org.invoices) == before + 1
    assert sandbox.stats()["idempotency"] == {"replays": 1, "conflicts": 0}
    payloads = sandbox.xero.webhooks.sent
    assert sum(e["eventCategory"] == "INVOICE" for p in payloads for e in p["events"]) == 1


async def test_same_key_different_body_is_400(
    client: httpx.AsyncClient, h: dict[str, str], sandbox: SandboxState
) -> None:
    keyed = h | {"Idempotency-Key": "k-2"}
    assert (await client.put(INV, json=BODY, headers=keyed)).status_code == 200
    other = {"Invoices": [BODY["Invoices"][0] | {"Reference": "different"}]}
    response = await client.put(INV, json=other, headers=keyed)
    assert response.status_code == 400
    assert response.json()["Type"] == "ValidationException"
    assert sandbox.stats()["idempotency"]["conflicts"] == 1


async def test_keys_are_forgotten_after_the_retention_window(
    client: httpx.AsyncClient, h: dict[str, str], sandbox: SandboxState, clock: FakeClock
) -> None:
    sandbox.config.xero.idempotency_seconds = 60
    keyed = h | {"Idempotency-Key": "k-3"}
    first = await client.put(INV, json=BODY, headers=keyed)
    clock.advance(61)
    second = await client.put(INV, json=BODY, headers=keyed)
    assert second.json()["Invoices"][0]["InvoiceID"] != first.json()["Invoices"][0]["InvoiceID"]


async def test_validation_failures_replay_too_and_overlong_keys_are_refused(
    client: httpx.AsyncClient, h: dict[str, str]
) -> None:
    keyed = h | {"Idempotency-Key": "k-4"}
    bad = {"Invoices": [{"Type": "ACCREC"}]}
    assert (await client.put(INV, json=bad, headers=keyed)).status_code == 400
    assert (await client.put(INV, json=bad, headers=keyed)).status_code == 400
    long_key = h | {"Idempotency-Key": "x" * 129}
    assert (await client.put(INV, json=BODY, headers=long_key)).status_code == 400


async def test_get_ignores_the_key(client: httpx.AsyncClient, h: dict[str, str]) -> None:
    keyed = h | {"Idempotency-Key": "k-5"}
    first = await client.get(f"{INV}?page=1&pageSize=1", headers=keyed)
    second = await client.get(f"{INV}?page=1&pageSize=2", headers=keyed)
    assert len(first.json()["Invoices"]) == 1
    assert len(second.json()["Invoices"]) == 2
