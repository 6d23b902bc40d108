"""Fault injection by configuration: 500s, 503s, slow answers, connection resets, forced 429s.

One seeded RNG draws, per eligible request and in a fixed order, whether each fault fires, so a
run with the same seed and the same requests fails the same way. The control API (``/_sandbox``)
is never eligible. How each fault looks to a client:

- ``reset``: response headers go out, then the connection dies; on a port the client sees the
  server disconnect, in-process :class:`SandboxTransport` raises ``httpx.RemoteProtocolError``;
- ``500``/``503``: the bare answers Xero's gateway gives (plain text);
- ``429`` (Xero accounting only): a ``minute`` refusal with ``Retry-After``, through the same gate
  as real limits, so headers are right;
- ``slow``: waits ``slow_seconds`` on the sandbox clock; for accounting calls the wait happens
  while the call holds one of the tenant's 5 concurrency slots, as a slow Xero call does.
"""

from __future__ import annotations

import random
from collections import Counter

import httpx
from starlette.types import ASGIApp, Receive, Scope, Send

from component.sandbox.clock import SandboxClock
from component.sandbox.config import FaultsConfig, SandboxConfig

CONTROL_PREFIX = "/_sandbox"
ACCOUNTING_PREFIX = "/api.xro/"


class SimulatedReset(Exception):
    """Raised after the response started, so the server drops the connection mid-answer."""


class FaultInjector:
    def __init__(self, clock: SandboxClock, config: SandboxConfig) -> None:
        self.clock = clock
        self.config = config
        self.injected: Counter[str] = Counter()
        self._rng = random.Random(config.faults.seed)  # noqa: S311 - fault dice, not security

    def configure(self, faults: FaultsConfig) -> None:
        """Replace the fault settings and restart the dice from the new seed."""
        self.config.faults = faults
        self._rng = random.Random(faults.seed)  # noqa: S311 - fault dice, not security

    def _eligible(self, path: str) -> bool:
        if path.startswith(CONTROL_PREFIX):
            return False
        prefixes = self.config.faults.path_prefixes
        return not prefixes or any(path.startswith(p) for p in prefixes)

    def _roll(self, rate: float) -> bool:
        draw = self._rng.random()  # always draw, so one fault's rate never shifts another's dice
        return rate > 0 and draw < rate

    def middleware(self, app: ASGIApp) -> ASGIApp:
        async def inject(scope: Scope, receive: Receive, send: Send) -> None:
            if scope["type"] != "http" or not self._eligible(scope["path"]):
                await app(scope, receive, send)
                return
            f = self.config.faults
            reset, e500, e503 = (
                self._roll(f.reset_rate),
                self._roll(f.error_500_rate),
                self._roll(f.error_503_rate),
            )
            forced, slow = self._roll(f.rate_limit_rate), self._roll(f.slow_rate)
            if reset:
                self.injected["reset"] += 1
                await send(
                    {
                        "type": "http.response.start",
                        "status": 200,
                        "headers": [
                            (b"content-type", b"application/json"),
                            (b"content-length", b"4096"),
                        ],
                    }
                )
                raise SimulatedReset(scope["path"])
            if e500 or e503:
                status = 500 if e500 else 503
                self.injected[str(status)] += 1
                text = b"An error occurred in Xero." if e500 else b"Service Unavailable"
                await send(
                    {
                        "type": "http.response.start",
                        "status": status,
                        "headers": [
                            (b"content-type", b"text/plain; charset=utf-8"),
                            (b"content-length", str(len(text)).encode()),
                        ],
                    }
                )
                await send({"type": "http.response.body", "body": text})
                return
            accounting = scope["path"].startswith(ACCOUNTING_PREFIX)
            if forced and accounting:
                self.injected["429"] += 1
                scope["sandbox.forced_429"] = True
            if slow:
                self.injected["slow"] += 1
                if accounting:
                    scope["sandbox.delay"] = f.slow_seconds
                else:
                    await self.clock.sleep(f.slow_seconds)
            await app(scope, receive, send)

        return inject


class SandboxTransport(httpx.ASGITransport):
    """``httpx.ASGITransport`` that turns a simulated reset into the error a socket gives."""

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        try:
            return await super().handle_async_request(request)
        except SimulatedReset:
            raise httpx.RemoteProtocolError(
                "Server disconnected without sending a response.", request=request
            ) from None
