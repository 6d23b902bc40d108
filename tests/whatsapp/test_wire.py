"""Sends on the wire at once: at most ``REQUESTS_IN_FLIGHT`` per number, whatever the pacer
admitted; the others wait after their "sending" commit, and the pacer counts each send from the
moment it takes its place on the wire."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator

import httpx
import pytest

from component.clock import FakeClock
from component.config import Settings
from component.registry import Registry
from component.runtime import Runtime
from component.whatsapp import client as client_module
from component.whatsapp.client import WhatsAppClient
from tests.whatsapp.conftest import accepted, make_session

pytestmark = pytest.mark.anyio

WIRE = 3


class HeldMeta(httpx.AsyncBaseTransport):
    """Accepts every send, but only once ``release`` is set; records how many were open."""

    def __init__(self) -> None:
        self.open = 0
        self.most_open = 0
        self.arrived = 0
        self.release = asyncio.Event()
        self.changed = asyncio.Condition()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        async with self.changed:
            self.open += 1
            self.arrived += 1
            self.most_open = max(self.most_open, self.open)
            self.changed.notify_all()
        await self.release.wait()
        self.open -= 1
        to = json.loads(request.content)["to"]
        return httpx.Response(200, json=accepted(to, f"wamid.{to}"))


@pytest.fixture
async def meta() -> HeldMeta:
    return HeldMeta()


@pytest.fixture
async def wired(
    settings: Settings,
    registry: Registry,
    clock: FakeClock,
    meta: HeldMeta,
    monkeypatch: pytest.MonkeyPatch,
) -> AsyncIterator[Runtime]:
    monkeypatch.setattr(client_module, "REQUESTS_IN_FLIGHT", WIRE)
    runtime = Runtime(settings=settings, registry=registry, clock=clock, transport=meta)
    yield runtime
    await runtime.aclose()


async def test_at_most_requests_in_flight_sends_are_on_the_wire(
    wired: Runtime, meta: HeldMeta
) -> None:
    client = WhatsAppClient(wired, make_session())
    marked: list[str] = []

    def leaving(to: str) -> client_module.Leaving:
        async def hook() -> None:
            async with meta.changed:
                marked.append(to)
                meta.changed.notify_all()

        return hook

    recipients = [f"+9198200123{n:02d}" for n in range(8)]
    sends = [
        asyncio.ensure_future(client.send_text(to, "hi", on_leaving=leaving(to)))
        for to in recipients
    ]
    async with meta.changed:
        await meta.changed.wait_for(lambda: meta.arrived >= WIRE and len(marked) == len(recipients))
    # every send is committed as "sending"; only WIRE of them are on the wire
    assert meta.open == WIRE
    assert client.pacer.stats.admitted == len(recipients)
    meta.release.set()
    results = await asyncio.gather(*sends)
    assert sorted(r.to for r in results) == recipients
    assert meta.most_open == WIRE
