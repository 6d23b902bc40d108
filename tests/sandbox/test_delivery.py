"""The shared webhook deliverer: asynchronous, clock-driven, retried with seeded jitter, bounded."""

from __future__ import annotations

import asyncio
import json

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from component.clock import FakeClock
from component.sandbox.delivery import WebhookDeliverer

HOOK = "http://receiver.test/hook"


class Receiver:
    """A tiny ASGI webhook receiver that answers with scripted status codes."""

    def __init__(self, statuses: list[int] | None = None) -> None:
        self.statuses = list(statuses or [])
        self.received: list[tuple[bytes, dict[str, str]]] = []
        self.app = Starlette(routes=[Route("/hook", self.hook, methods=["POST"])])

    async def hook(self, request: Request) -> Response:
        self.received.append((await request.body(), dict(request.headers)))
        status = self.statuses.pop(0) if self.statuses else 200
        return Response(b"ok" if status < 300 else b"nope", status_code=status)

    def factory(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(transport=httpx.ASGITransport(app=self.app))


def make(receiver: Receiver, clock: FakeClock, **kwargs: float) -> WebhookDeliverer:
    return WebhookDeliverer(clock, receiver.factory, **kwargs)  # type: ignore[arg-type]


@pytest.mark.anyio
async def test_enqueue_is_asynchronous_and_drain_sends_exact_bytes(clock: FakeClock) -> None:
    receiver = Receiver()
    deliverer = make(receiver, clock)
    deliverer.enqueue("x", HOOK, b'{"a":1}', {"X-Sig": "abc"}, max_age_seconds=60)
    assert receiver.received == []
    attempts = await deliverer.drain()
    assert [a.state for a in attempts] == ["delivered"]
    body, headers = receiver.received[0]
    assert body == b'{"a":1}'
    assert headers["x-sig"] == "abc"
    assert deliverer.pending() == 0
    assert await deliverer.drain() == []
    await deliverer.aclose()


@pytest.mark.anyio
async def test_delay_makes_a_delivery_due_only_when_the_clock_reaches_it(clock: FakeClock) -> None:
    receiver = Receiver()
    deliverer = make(receiver, clock)
    deliverer.enqueue("late", HOOK, b"2", {}, max_age_seconds=60, delay_seconds=5)
    deliverer.enqueue("early", HOOK, b"1", {}, max_age_seconds=60, delay_seconds=1)
    assert await deliverer.drain() == []
    assert deliverer.next_due_at() is not None
    clock.advance(10)
    attempts = await deliverer.drain()
    assert [a.kind for a in attempts] == ["early", "late"]
    assert [b for b, _ in receiver.received] == [b"1", b"2"]


@pytest.mark.anyio
async def test_failures_are_retried_with_growing_gaps_until_delivered(clock: FakeClock) -> None:
    receiver = Receiver([500, 503, 404, 200])
    deliverer = make(receiver, clock, base_backoff_seconds=10, max_backoff_seconds=1000)
    deliverer.enqueue("x", HOOK, b"{}", {}, max_age_seconds=86400)
    gaps = []
    for _ in range(4):
        [attempt] = await deliverer.drain()
        if attempt.next_attempt_at is not None:
            gap = (attempt.next_attempt_at - clock.now()).total_seconds()
            gaps.append(gap)
            clock.advance(gap)
    records = deliverer.records()
    assert [r["attempt"] for r in records] == [1, 2, 3, 4]
    assert [r["status_code"] for r in records] == [500, 503, 404, 200]
    assert [r["state"] for r in records] == ["pending", "pending", "pending", "delivered"]
    assert records[0]["response_bytes"] == len(b"nope")
    # exponential (10, 20, 40) scaled by jitter in [0.5, 1)
    for gap, base in zip(gaps, [10, 20, 40], strict=True):
        assert base * 0.5 <= gap < base


@pytest.mark.anyio
async def test_retry_is_not_due_before_its_backoff(clock: FakeClock) -> None:
    receiver = Receiver([500])
    deliverer = make(receiver, clock, base_backoff_seconds=10)
    deliverer.enqueue("x", HOOK, b"{}", {}, max_age_seconds=3600)
    await deliverer.drain()
    clock.advance(4)
    assert await deliverer.drain() == []
    clock.advance(6)
    assert [a.state for a in await deliverer.drain()] == ["delivered"]


@pytest.mark.anyio
async def test_gives_up_after_max_age(clock: FakeClock) -> None:
    receiver = Receiver([500] * 100)
    deliverer = make(receiver, clock, base_backoff_seconds=60, max_backoff_seconds=3600)
    deliverer.enqueue("xero", HOOK, b"{}", {}, max_age_seconds=24 * 3600)
    start = clock.now()
    last = None
    for _ in range(100):
        attempts = await deliverer.drain()
        if attempts:
            last = attempts[-1]
            if last.state == "given_up":
                break
        clock.advance(1800)
    assert last is not None
    assert last.state == "given_up"
    assert last.next_attempt_at is None
    assert (last.started_at - start).total_seconds() <= 24 * 3600
    assert deliverer.pending() == 0
    clock.advance(86400)
    assert await deliverer.drain() == []


@pytest.mark.anyio
async def test_transport_errors_and_timeouts_are_recorded_and_retried(clock: FakeClock) -> None:
    calls = {"n": 0}

    def handler(request: httpx.Request) -> httpx.Response:
        calls["n"] += 1
        if calls["n"] == 1:
            raise httpx.ConnectError("refused", request=request)
        if calls["n"] == 2:
            raise httpx.ReadTimeout("slow", request=request)
        return httpx.Response(204)

    deliverer = WebhookDeliverer(
        clock,
        lambda: httpx.AsyncClient(transport=httpx.MockTransport(handler)),
        base_backoff_seconds=1,
    )
    deliverer.enqueue("x", "http://h.test/hook?token=secret", b"{}", {}, max_age_seconds=60)
    for _ in range(3):
        await deliverer.drain()
        clock.advance(5)
    records = deliverer.records()
    assert [r["error"] for r in records] == [
        "transport: ConnectError",
        "timeout: ReadTimeout",
        None,
    ]
    assert records[-1]["status_code"] == 204
    assert all("secret" not in json.dumps(r) for r in records)
    assert records[0]["url"] == "http://h.test/hook"


async def _gaps(seed: int) -> list[float]:
    clock = FakeClock()
    deliverer = WebhookDeliverer(clock, Receiver([500] * 3).factory, seed=seed)
    deliverer.enqueue("x", HOOK, b"{}", {}, max_age_seconds=10**6)
    out: list[float] = []
    for _ in range(3):
        [attempt] = await deliverer.drain()
        assert attempt.next_attempt_at is not None
        out.append((attempt.next_attempt_at - clock.now()).total_seconds())
        clock.set(attempt.next_attempt_at)
    return out


@pytest.mark.anyio
async def test_jitter_is_reproducible_with_a_seed() -> None:
    assert await _gaps(1) == await _gaps(1)
    assert await _gaps(1) != await _gaps(2)


@pytest.mark.anyio
async def test_reset_forgets_queue_and_records(clock: FakeClock) -> None:
    receiver = Receiver([500])
    deliverer = make(receiver, clock)
    deliverer.enqueue("x", HOOK, b"{}", {}, max_age_seconds=60)
    await deliverer.drain()
    deliverer.reset()
    assert deliverer.records() == []
    assert deliverer.pending() == 0


@pytest.mark.anyio
async def test_run_forever_delivers_on_the_clock_until_cancelled(clock: FakeClock) -> None:
    receiver = Receiver()
    deliverer = make(receiver, clock)
    deliverer.enqueue("x", HOOK, b"1", {}, max_age_seconds=60, delay_seconds=3)
    task = asyncio.create_task(deliverer.run_forever(poll_seconds=1))
    for _ in range(50):
        await asyncio.sleep(0)
        if receiver.received:
            break
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert [b for b, _ in receiver.received] == [b"1"]
    await deliverer.aclose()
