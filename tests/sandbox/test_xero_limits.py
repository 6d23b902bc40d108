"""Xero's rate limits per tenant: minute (fixed window), day, concurrency, app-wide minute."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from component.clock import FakeClock
from component.sandbox.config import FaultsConfig, LimitsConfig
from component.sandbox.state import SandboxState
from tests.sandbox.conftest import XeroHelper

pytestmark = pytest.mark.anyio
ORG = "/api.xro/2.0/Organisation"


async def test_61st_call_in_a_minute_gets_429_with_retry_after(
    client: httpx.AsyncClient, h: dict[str, str], clock: FakeClock
) -> None:
    for n in range(60):
        response = await client.get(ORG, headers=h)
        assert response.status_code == 200
        assert response.headers["X-MinLimit-Remaining"] == str(59 - n)
    refused = await client.get(ORG, headers=h)
    assert refused.status_code == 429
    assert refused.headers["X-Rate-Limit-Problem"] == "minute"
    assert refused.headers["Retry-After"] == "60"
    assert refused.headers["X-MinLimit-Remaining"] == "0"
    clock.advance(45)
    assert (await client.get(ORG, headers=h)).headers["Retry-After"] == "15"
    clock.advance(15)
    fresh = await client.get(ORG, headers=h)
    assert fresh.status_code == 200
    assert fresh.headers["X-MinLimit-Remaining"] == "59"


async def test_minute_windows_are_per_tenant_and_start_at_first_call(
    xero: XeroHelper, clock: FakeClock, sandbox: SandboxState
) -> None:
    sandbox.config.limits = LimitsConfig(per_minute=2)
    token = (await xero.login())["access_token"]
    tenants = list(sandbox.xero.orgs)
    first, second = (xero.headers(token, t) for t in tenants)
    await xero.client.get(ORG, headers=first)
    clock.advance(30)
    await xero.client.get(ORG, headers=first)
    await xero.client.get(ORG, headers=second)
    assert (await xero.client.get(ORG, headers=first)).headers["Retry-After"] == "30"
    assert (await xero.client.get(ORG, headers=second)).status_code == 200
    refused = await xero.client.get(ORG, headers=second)
    assert refused.status_code == 429
    assert refused.headers["Retry-After"] == "60"


async def test_daily_limit_is_configurable_and_says_day(
    client: httpx.AsyncClient, h: dict[str, str], sandbox: SandboxState, clock: FakeClock
) -> None:
    sandbox.config.limits = LimitsConfig(per_day=3)
    for remaining in ("2", "1", "0"):
        response = await client.get(ORG, headers=h)
        assert response.headers["X-DayLimit-Remaining"] == remaining
    refused = await client.get(ORG, headers=h)
    assert refused.status_code == 429
    assert refused.headers["X-Rate-Limit-Problem"] == "day"
    assert refused.headers["Retry-After"] == "86400"
    clock.advance(120)  # a new minute does not help
    assert (await client.get(ORG, headers=h)).headers["X-Rate-Limit-Problem"] == "day"


async def test_sixth_concurrent_call_gets_429_concurrent(
    client: httpx.AsyncClient, h: dict[str, str], sandbox: SandboxState
) -> None:
    sandbox.faults.configure(
        FaultsConfig(slow_rate=1.0, slow_seconds=2.0, path_prefixes=["/api.xro/"])
    )
    responses = await asyncio.gather(*(client.get(ORG, headers=h) for _ in range(6)))
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [200] * 5 + [429]
    refused = next(r for r in responses if r.status_code == 429)
    assert refused.headers["X-Rate-Limit-Problem"] == "concurrent"
    assert "Retry-After" not in refused.headers
    assert sandbox.xero.limiter.in_flight[sandbox.xero.demo_tenant_id] == 0
    tenants = sandbox.stats()["limits"]["tenants"]
    assert tenants[sandbox.xero.demo_tenant_id]["peak_in_flight"] == 6  # what was asked at once


async def test_app_minute_limit_spans_tenants(xero: XeroHelper, sandbox: SandboxState) -> None:
    sandbox.config.limits = LimitsConfig(app_per_minute=2)
    token = (await xero.login())["access_token"]
    first, second = (xero.headers(token, t) for t in sandbox.xero.orgs)
    await xero.client.get(ORG, headers=first)
    response = await xero.client.get(ORG, headers=second)
    assert response.headers["X-AppMinLimit-Remaining"] == "0"
    refused = await xero.client.get(ORG, headers=second)
    assert refused.status_code == 429
    assert refused.headers["X-Rate-Limit-Problem"] == "appminute"


async def test_limit_headers_are_on_every_accounting_answer(
    client: httpx.AsyncClient, h: dict[str, str]
) -> None:
    for path in ("/api.xro/2.0/Invoices/missing", "/api.xro/2.0/Invoices?where=Nope"):
        response = await client.get(path, headers=h)
        assert response.status_code in (400, 404)
        for header in ("X-MinLimit-Remaining", "X-DayLimit-Remaining", "X-AppMinLimit-Remaining"):
            assert header in response.headers


async def test_forced_429_fault_uses_the_real_headers(
    client: httpx.AsyncClient, h: dict[str, str], sandbox: SandboxState
) -> None:
    await client.get(ORG, headers=h)
    sandbox.faults.configure(FaultsConfig(rate_limit_rate=1.0))
    refused = await client.get(ORG, headers=h)
    assert refused.status_code == 429
    assert refused.headers["X-Rate-Limit-Problem"] == "minute"
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    assert sandbox.stats()["faults_injected"] == {"429": 1}


async def test_limiter_state_is_in_stats(
    client: httpx.AsyncClient, h: dict[str, str], sandbox: SandboxState
) -> None:
    await client.get(ORG, headers=h)
    stats = (await client.get("/_sandbox/stats")).json()
    tenant = stats["limits"]["tenants"][sandbox.xero.demo_tenant_id]
    assert tenant["minute_used"] == 1
    assert tenant["in_flight"] == 0
    assert tenant["peak_in_flight"] == 1
    assert stats["calls"]["GET /api.xro/2.0/Organisation"] == 1
