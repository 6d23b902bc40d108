"""The shared Xero client: headers, Idempotency-Key, retries, 429 handling, error mapping.

Everything runs on the test's FakeClock: ``clock.slept`` is every wait the client made.
"""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from pytest_httpx import HTTPXMock

from component import errors
from component.clock import FakeClock
from component.runtime import Runtime
from component.sessions import open_value
from component.xero.client import XeroClient
from component.xero.retry import RetryPolicy
from tests.conftest import TOKEN_CONNECTION

API = "https://api.xero.com/api.xro/2.0"


@pytest.fixture
async def client(runtime: Runtime) -> XeroClient:
    return XeroClient(runtime, await open_value(runtime, TOKEN_CONNECTION))


@pytest.mark.anyio
async def test_every_call_carries_bearer_tenant_and_accept(
    client: XeroClient, httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_response(json={"Invoices": []})
    await client.request("GET", "/Invoices")
    request = httpx_mock.get_request()
    assert request is not None
    assert request.headers["Authorization"] == "Bearer test-access-token"
    assert request.headers["Xero-tenant-Id"] == "tenant-1"
    assert request.headers["Accept"] == "application/json"
    assert "Idempotency-Key" not in request.headers


@pytest.mark.anyio
async def test_a_retried_write_keeps_its_idempotency_key(
    client: XeroClient, httpx_mock: HTTPXMock, clock: FakeClock
) -> None:
    httpx_mock.add_response(status_code=503)
    httpx_mock.add_exception(httpx.ReadTimeout("slow"))
    httpx_mock.add_response(json={"Invoices": [{"InvoiceNumber": "INV-0142"}]})
    response = await client.request("PUT", "/Invoices", json={"Invoices": [{}]})
    assert response.json()["Invoices"][0]["InvoiceNumber"] == "INV-0142"
    keys = {r.headers["Idempotency-Key"] for r in httpx_mock.get_requests()}
    assert len(keys) == 1
    assert len(clock.slept) == 2
    assert 0.25 <= clock.slept[0] <= 0.5  # equal jitter over 0.5 s, then 1 s
    assert 0.5 <= clock.slept[1] <= 1.0


@pytest.mark.anyio
async def test_two_logical_writes_get_two_keys(client: XeroClient, httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(json={}, is_reusable=True)
    await client.request("POST", "/Invoices/1", json={})
    await client.request("POST", "/Invoices/1", json={})
    first, second = httpx_mock.get_requests()
    assert first.headers["Idempotency-Key"] != second.headers["Idempotency-Key"]


@pytest.mark.anyio
async def test_reads_are_retried_a_bounded_number_of_times(
    client: XeroClient, httpx_mock: HTTPXMock, clock: FakeClock
) -> None:
    httpx_mock.add_response(status_code=500, json={"Message": "oops"}, is_reusable=True)
    with pytest.raises(errors.UpstreamError) as info:
        await client.request("GET", "/Invoices")
    assert len(httpx_mock.get_requests()) == 4  # 1 + XERO_MAX_RETRIES (3)
    assert info.value.retryable
    assert info.value.status == 500
    assert len(clock.slept) == 3


@pytest.mark.anyio
async def test_a_delete_is_not_retried_after_an_unknown_outcome(
    client: XeroClient, httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_exception(httpx.RemoteProtocolError("connection reset"))
    with pytest.raises(errors.UpstreamError) as info:
        await client.request("DELETE", "/Items/abc")
    assert "could not reach Xero" in info.value.message
    assert len(httpx_mock.get_requests()) == 1


@pytest.mark.anyio
async def test_a_minute_429_waits_exactly_retry_after_then_retries(
    client: XeroClient, httpx_mock: HTTPXMock, clock: FakeClock
) -> None:
    httpx_mock.add_response(
        status_code=429, headers={"X-Rate-Limit-Problem": "minute", "Retry-After": "37"}
    )
    httpx_mock.add_response(json={"Invoices": []})
    await client.request("GET", "/Invoices")
    assert clock.slept == [37.0]


@pytest.mark.anyio
async def test_a_concurrent_429_without_retry_after_waits_a_second(
    client: XeroClient, httpx_mock: HTTPXMock, clock: FakeClock
) -> None:
    httpx_mock.add_response(status_code=429, headers={"X-Rate-Limit-Problem": "concurrent"})
    httpx_mock.add_response(json={})
    await client.request("GET", "/Invoices")
    assert clock.slept == [1.0]


@pytest.mark.anyio
async def test_rate_limit_waits_are_bounded(
    client: XeroClient, httpx_mock: HTTPXMock, clock: FakeClock
) -> None:
    httpx_mock.add_response(
        status_code=429,
        headers={"X-Rate-Limit-Problem": "minute", "Retry-After": "5"},
        is_reusable=True,
    )
    policy = RetryPolicy(rate_limit_retries=2)
    with pytest.raises(errors.RateLimited) as info:
        await client.request("GET", "/Invoices", retry=policy)
    assert clock.slept == [5.0, 5.0]
    assert info.value.retry_after == 5.0
    assert info.value.retryable


@pytest.mark.anyio
async def test_persistent_429s_are_waited_out_only_up_to_the_total_bound(
    client: XeroClient,
    runtime: Runtime,
    httpx_mock: HTTPXMock,
    clock: FakeClock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Issue 10 item 16: a 429 that never ends used to be waited out 10 × Retry-After in
    silence. The total wait of one call is bounded (XERO_RATE_LIMIT_MAX_WAIT_SECONDS, 180 s by
    default), each wait is said with its reason, and past the bound the call is rate_limited."""
    assert runtime.settings.xero_rate_limit_max_wait_seconds == 180.0
    httpx_mock.add_response(
        status_code=429,
        headers={"X-Rate-Limit-Problem": "minute", "Retry-After": "70"},
        is_reusable=True,
    )
    with (
        caplog.at_level("WARNING", logger="component.xero.client"),
        pytest.raises(errors.RateLimited) as info,
    ):
        await client.request("GET", "/Invoices")
    assert clock.slept == [70.0, 70.0]  # a third 70 s would pass 180 s
    assert info.value.code == "rate_limited"
    assert info.value.retry_after == 70.0
    assert info.value.message == (
        "Xero's minute rate limit was reached for GET /Invoices; retry after 70 s (waited 140 s "
        "already; one call waits at most 180 s in all: XERO_RATE_LIMIT_MAX_WAIT_SECONDS)"
    )
    assert [r.getMessage() for r in caplog.records] == [
        "Xero's minute rate limit: waiting 70 s before retrying GET /Invoices, as Xero asks "
        f"({done} of at most 180 s waited so far)"
        for done in (0, 70)
    ]


@pytest.mark.anyio
async def test_the_total_429_wait_is_configurable(
    client: XeroClient, runtime: Runtime, httpx_mock: HTTPXMock, clock: FakeClock
) -> None:
    runtime.settings = runtime.settings.model_copy(
        update={"xero_rate_limit_max_wait_seconds": 10.0}
    )
    httpx_mock.add_response(
        status_code=429,
        headers={"X-Rate-Limit-Problem": "concurrent", "Retry-After": "4"},
        is_reusable=True,
    )
    with pytest.raises(errors.RateLimited):
        await client.request("GET", "/Invoices")
    assert clock.slept == [4.0, 4.0]


@pytest.mark.anyio
async def test_a_wait_longer_than_allowed_is_not_waited(
    client: XeroClient, httpx_mock: HTTPXMock, clock: FakeClock
) -> None:
    httpx_mock.add_response(
        status_code=429, headers={"X-Rate-Limit-Problem": "minute", "Retry-After": "900"}
    )
    with pytest.raises(errors.RateLimited):
        await client.request("GET", "/Invoices")
    assert clock.slept == []


@pytest.mark.anyio
async def test_the_day_limit_fails_fast_says_when_it_resets_and_blocks_the_tenant(
    client: XeroClient, httpx_mock: HTTPXMock, clock: FakeClock
) -> None:
    httpx_mock.add_response(
        status_code=429, headers={"X-Rate-Limit-Problem": "day", "Retry-After": "11520"}
    )
    with pytest.raises(errors.RateLimited) as info:
        await client.request("GET", "/Invoices", what="listInvoices (GET /Invoices)")
    assert info.value.message == (
        "Xero's day rate limit for this organisation is used up, so listInvoices (GET /Invoices) "
        "was not sent; it resets in 3 h 12 min (at 2026-07-14 12:42 UTC)"
    )
    assert info.value.retry_after == 11520
    assert not info.value.retryable
    assert clock.slept == []
    with pytest.raises(errors.RateLimited, match="resets in 3 h 12 min"):
        await client.request("GET", "/Contacts")
    assert len(httpx_mock.get_requests()) == 1  # the second call never reached Xero
    clock.advance(11520)
    httpx_mock.add_response(json={"Contacts": []})
    await client.request("GET", "/Contacts")


@pytest.mark.anyio
async def test_the_limiter_is_per_tenant_and_shared_by_every_client(runtime: Runtime) -> None:
    one = XeroClient(runtime, await open_value(runtime, TOKEN_CONNECTION))
    two = XeroClient(runtime, await open_value(runtime, {**TOKEN_CONNECTION}))
    other = XeroClient(runtime, await open_value(runtime, {**TOKEN_CONNECTION, "tenantId": "t2"}))
    assert one.limiter() is two.limiter()
    assert one.limiter() is not other.limiter()


@pytest.mark.anyio
async def test_rate_limit_headers_steer_the_local_window(
    client: XeroClient, httpx_mock: HTTPXMock
) -> None:
    """Another process used 55 of this minute's calls: after Xero says so, we know it too."""
    httpx_mock.add_response(json={}, headers={"X-MinLimit-Remaining": "4"})
    await client.request("GET", "/Invoices")
    assert client.limiter().remaining()["minute"] == 4


@pytest.mark.anyio
async def test_a_caller_header_replaces_a_default_whatever_its_case(
    client: XeroClient, httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_response(json={})
    await client.request("POST", "/Invoices", json={}, headers={"idempotency-key": "mine-1"})
    request = httpx_mock.get_request()
    assert request is not None
    assert request.headers.get_list("Idempotency-Key") == ["mine-1"]


@pytest.mark.anyio
async def test_tokens_never_appear_in_errors(client: XeroClient, httpx_mock: HTTPXMock) -> None:
    body: dict[str, Any] = {"Title": "Forbidden", "Detail": "AuthenticationUnsuccessful"}
    httpx_mock.add_response(status_code=403, json=body)
    with pytest.raises(errors.ConnectionError) as info:
        await client.request("GET", "/Invoices")
    assert "test-access-token" not in json.dumps(info.value.to_dict())


@pytest.mark.anyio
async def test_a_429_from_the_tenant_list_is_waited_out_too(
    client: XeroClient, httpx_mock: HTTPXMock, clock: FakeClock
) -> None:
    connections = "https://api.xero.com/connections"
    httpx_mock.add_response(
        url=connections,
        status_code=429,
        headers={"X-Rate-Limit-Problem": "appminute", "Retry-After": "12"},
    )
    httpx_mock.add_response(url=connections, json=[])
    response = await client.request("GET", "", service="connections", tenant=False)
    assert response.json() == []
    assert clock.slept == [12.0]
