"""The token lifecycle against Xero's real URLs (pytest-httpx): exact token requests and recovery."""

from __future__ import annotations

import asyncio
import sqlite3

import httpx
import pytest
from pytest_httpx import HTTPXMock

from component import errors
from component.clock import FakeClock
from component.oauth.access import token_repo
from component.runtime import Runtime
from component.storage.tokens import TokenRepo
from tests.connections.oauth_fixtures import (
    BASIC,
    ORG_BODY,
    ORG_URL,
    TOKEN_URL,
    call_org,
    form,
    store_connection,
    token_body,
)
from tests.storage import postgres_backends

# Every test here runs on SQLite and on PostgreSQL.
settings = postgres_backends.settings
store_backend = postgres_backends.store_backend

pytestmark = pytest.mark.anyio


def org(httpx_mock: HTTPXMock, token: str, status: int = 200) -> None:
    httpx_mock.add_response(
        method="GET",
        url=ORG_URL,
        match_headers={"Authorization": f"Bearer {token}", "Xero-tenant-Id": "tenant-1"},
        status_code=status,
        json=ORG_BODY if status == 200 else {"Title": "Unauthorized", "Detail": "TokenExpired"},
    )


def refresh_ok(httpx_mock: HTTPXMock, n: int) -> None:
    httpx_mock.add_response(method="POST", url=TOKEN_URL, json=token_body(n))


def token_requests(httpx_mock: HTTPXMock) -> list[dict[str, str]]:
    return [form(r) for r in httpx_mock.get_requests(url=TOKEN_URL)]


async def test_a_fresh_token_is_used_without_asking_xero(
    runtime: Runtime, httpx_mock: HTTPXMock
) -> None:
    store_connection(runtime)
    org(httpx_mock, "AT0")
    assert await call_org(runtime) == ORG_BODY
    assert token_requests(httpx_mock) == []


async def test_refreshes_when_less_than_60_seconds_remain_and_stores_the_rotated_token(
    runtime: Runtime, clock: FakeClock, httpx_mock: HTTPXMock
) -> None:
    store_connection(runtime)
    clock.advance(1800 - 61)
    org(httpx_mock, "AT0")
    await call_org(runtime)
    clock.advance(2)  # 59 s left
    refresh_ok(httpx_mock, 1)
    org(httpx_mock, "AT1")
    await call_org(runtime)

    [request] = httpx_mock.get_requests(url=TOKEN_URL)
    assert request.headers["Authorization"] == BASIC
    assert request.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert form(request) == {"grant_type": "refresh_token", "refresh_token": "RT0"}
    record = token_repo(runtime).get("acme")
    assert record is not None
    assert record.tokens is not None
    assert (record.tokens.access_token, record.refresh_token) == ("AT1", "RT1")
    assert record.previous_refresh_token == "RT0"
    assert record.inflight is None


async def test_the_refresh_margin_is_configurable(
    runtime: Runtime, clock: FakeClock, httpx_mock: HTTPXMock
) -> None:
    runtime.settings = runtime.settings.model_copy(update={"token_refresh_margin_seconds": 600})
    store_connection(runtime)
    clock.advance(1800 - 599)
    refresh_ok(httpx_mock, 1)
    org(httpx_mock, "AT1")
    await call_org(runtime)
    assert len(token_requests(httpx_mock)) == 1


async def test_a_401_refreshes_once_and_replays_the_request(
    runtime: Runtime, httpx_mock: HTTPXMock
) -> None:
    store_connection(runtime)
    org(httpx_mock, "AT0", status=401)
    refresh_ok(httpx_mock, 1)
    org(httpx_mock, "AT1")
    assert await call_org(runtime) == ORG_BODY
    assert token_requests(httpx_mock) == [{"grant_type": "refresh_token", "refresh_token": "RT0"}]


async def test_a_second_401_is_reported_without_another_refresh(
    runtime: Runtime, httpx_mock: HTTPXMock
) -> None:
    store_connection(runtime)
    org(httpx_mock, "AT0", status=401)
    refresh_ok(httpx_mock, 1)
    org(httpx_mock, "AT1", status=401)
    with pytest.raises(errors.ConnectionError, match="rejected the access token"):
        await call_org(runtime)
    assert len(token_requests(httpx_mock)) == 1


async def test_concurrent_tasks_across_one_expiry_send_one_token_request(
    runtime: Runtime, clock: FakeClock, httpx_mock: HTTPXMock
) -> None:
    store_connection(runtime)
    clock.advance(1800)
    refresh_ok(httpx_mock, 1)
    httpx_mock.add_response(method="GET", url=ORG_URL, json=ORG_BODY, is_reusable=True)
    await asyncio.gather(*(call_org(runtime) for _ in range(25)))
    assert len(token_requests(httpx_mock)) == 1
    assert {r.headers["Authorization"] for r in httpx_mock.get_requests(url=ORG_URL)} == {
        "Bearer AT1"
    }


async def test_a_lost_token_response_is_retried_with_the_same_refresh_token(
    runtime: Runtime, clock: FakeClock, httpx_mock: HTTPXMock
) -> None:
    store_connection(runtime)
    clock.advance(1800)
    httpx_mock.add_exception(httpx.ReadTimeout("lost"), method="POST", url=TOKEN_URL)
    with pytest.raises(errors.UpstreamError) as caught:
        await call_org(runtime)
    assert caught.value.retryable
    record = token_repo(runtime).get("acme")
    assert record is not None
    assert record.inflight is not None
    assert record.inflight.refresh_token == "RT0"

    refresh_ok(httpx_mock, 1)
    org(httpx_mock, "AT1")
    await call_org(runtime)
    assert [f["refresh_token"] for f in token_requests(httpx_mock)] == ["RT0", "RT0"]
    record = token_repo(runtime).get("acme")
    assert record is not None
    assert record.inflight is None
    assert record.refresh_token == "RT1"


class SimulatedCrash(BaseException):
    """The process dies: nothing after this point runs (not even except Exception)."""


async def test_after_a_crash_between_token_response_and_commit_the_next_process_recovers(
    runtime: Runtime, clock: FakeClock, httpx_mock: HTTPXMock, monkeypatch: pytest.MonkeyPatch
) -> None:
    store_connection(runtime)
    clock.advance(1800)
    refresh_ok(httpx_mock, 1)  # Xero rotates RT0 -> RT1, but the answer is never stored

    def crash(*args: object) -> bool:
        raise SimulatedCrash

    with monkeypatch.context() as patch:
        patch.setattr(TokenRepo, "finish_refresh", crash)
        with pytest.raises(SimulatedCrash):
            await call_org(runtime)

    # A new process on the same store: the in-flight record names the token to retry with.
    after = Runtime(settings=runtime.settings, registry=runtime.registry, clock=clock)
    try:
        record = token_repo(after).get("acme")
        assert record is not None
        assert record.inflight is not None
        refresh_ok(httpx_mock, 2)  # Xero accepts RT0 again within its 30-minute grace
        org(httpx_mock, "AT2")
        assert await call_org(after) == ORG_BODY
        assert [f["refresh_token"] for f in token_requests(httpx_mock)] == ["RT0", "RT0"]
        record = token_repo(after).get("acme")
        assert record is not None
        assert record.inflight is None
        assert (record.refresh_token, record.previous_refresh_token) == ("RT2", "RT0")

        clock.advance(1800)  # and the chain goes on from the recovered token
        refresh_ok(httpx_mock, 3)
        org(httpx_mock, "AT3")
        await call_org(after)
        assert token_requests(httpx_mock)[-1]["refresh_token"] == "RT2"
    finally:
        await after.aclose()


async def test_a_dead_process_refresh_is_completed_at_once_whatever_the_tokens_age(
    runtime: Runtime, clock: FakeClock, httpx_mock: HTTPXMock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 10 item 11: a process refreshing after a 401 is killed before storing Xero's answer
    (Xero has rotated RT0). The stored access token still looks valid for 30 minutes; the next
    process must finish the refresh with RT0 now, inside Xero's 30-minute grace, not after it."""
    store_connection(runtime)
    org(httpx_mock, "AT0", status=401)
    refresh_ok(httpx_mock, 1)

    def crash(*args: object) -> bool:
        raise SimulatedCrash

    with monkeypatch.context() as patch:
        patch.setattr(TokenRepo, "finish_refresh", crash)
        with pytest.raises(SimulatedCrash):
            await call_org(runtime)

    after = Runtime(settings=runtime.settings, registry=runtime.registry, clock=clock)
    try:
        refresh_ok(httpx_mock, 2)
        org(httpx_mock, "AT2")
        assert await call_org(after) == ORG_BODY  # the access token is 0 s old here
        assert [f["refresh_token"] for f in token_requests(httpx_mock)] == ["RT0", "RT0"]
        record = token_repo(after).get("acme")
        assert record is not None
        assert record.inflight is None
        assert record.refresh_token == "RT2"
    finally:
        await after.aclose()


async def test_invalid_grant_needs_reauth_and_later_calls_fail_fast(
    runtime: Runtime, clock: FakeClock, httpx_mock: HTTPXMock
) -> None:
    store_connection(runtime)
    clock.advance(1800)
    httpx_mock.add_response(
        method="POST", url=TOKEN_URL, status_code=400, json={"error": "invalid_grant"}
    )
    with pytest.raises(errors.ConnectionError) as caught:
        await call_org(runtime)
    message = caught.value.message
    assert "needs to be authorised again" in message
    assert message.endswith("Fix: run `xero-wa connect xero --name acme`")
    assert caught.value.to_dict()["error"]["details"]["reconnect"] == (
        "run `xero-wa connect xero --name acme`"
    )
    record = token_repo(runtime).get("acme")
    assert record is not None
    assert record.needs_reauth
    assert record.inflight is None

    for _ in range(3):  # no retry storm: nothing more reaches Xero (httpx_mock would fail)
        with pytest.raises(errors.ConnectionError, match="xero-wa connect xero --name acme"):
            await call_org(runtime)
    other = Runtime(settings=runtime.settings, registry=runtime.registry, clock=clock)
    try:
        with pytest.raises(errors.ConnectionError, match="needs to be authorised again"):
            await call_org(other)
    finally:
        await other.aclose()
    assert len(token_requests(httpx_mock)) == 1


async def test_invalid_client_also_asks_for_reconnection(
    runtime: Runtime, clock: FakeClock, httpx_mock: HTTPXMock
) -> None:
    store_connection(runtime)
    clock.advance(1800)
    httpx_mock.add_response(
        method="POST", url=TOKEN_URL, status_code=400, json={"error": "invalid_client"}
    )
    with pytest.raises(errors.ConnectionError, match="client id or secret"):
        await call_org(runtime)


async def test_a_5xx_from_the_token_endpoint_keeps_the_connection(
    runtime: Runtime, clock: FakeClock, httpx_mock: HTTPXMock
) -> None:
    store_connection(runtime)
    clock.advance(1800)
    httpx_mock.add_response(method="POST", url=TOKEN_URL, status_code=503)
    with pytest.raises(errors.UpstreamError) as caught:
        await call_org(runtime)
    assert caught.value.retryable
    assert caught.value.status == 503
    record = token_repo(runtime).get("acme")
    assert record is not None
    assert not record.needs_reauth


async def test_new_tokens_that_cannot_be_saved_are_not_used_and_the_message_says_what_to_do(
    runtime: Runtime, clock: FakeClock, httpx_mock: HTTPXMock, monkeypatch: pytest.MonkeyPatch
) -> None:
    store_connection(runtime)
    clock.advance(1800)
    refresh_ok(httpx_mock, 1)

    def disk_full(*args: object) -> bool:
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(TokenRepo, "finish_refresh", disk_full)
    with pytest.raises(errors.ConnectionError) as caught:
        await call_org(runtime)
    message = caught.value.message
    assert "could not be saved" in message
    assert "database or disk is full" in message
    assert "within 30 minutes" in message
    assert "xero-wa connect xero --name acme" in message
    assert httpx_mock.get_requests(url=ORG_URL) == []  # the unsaved access token was never used


async def test_a_connection_with_no_refresh_token_says_how_to_fix_it(
    runtime: Runtime, clock: FakeClock
) -> None:
    store_connection(runtime, refresh=None)
    clock.advance(1800)
    with pytest.raises(errors.ConnectionError, match="offline_access"):
        await call_org(runtime)
