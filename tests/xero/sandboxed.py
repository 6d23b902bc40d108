"""A runtime wired to the in-process sandbox (the Xero emulator), sharing the test's FakeClock.

Used by the action, data source and client tests that run against the sandbox. ``make_sandbox``
takes a SandboxConfig so a test can ask for a 5,000-invoice organisation or injected faults.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from component.clock import FakeClock
from component.config import Settings
from component.executor import Executor, Kind
from component.registry import Registry
from component.runtime import Runtime
from component.sandbox.config import SandboxConfig
from component.sandbox.embedded import EmbeddedSandbox, embedded


@dataclass
class Answer:
    """One request the client sent and the status and headers the sandbox answered."""

    method: str
    path: str
    status: int
    headers: httpx.Headers


@dataclass
class Recording(httpx.AsyncBaseTransport):
    """The sandbox transport, noting every answer (429s and their Retry-After included)."""

    inner: httpx.AsyncBaseTransport
    answers: list[Answer] = field(default_factory=list)
    #: How many write answers to lose on the way back (Xero acted, the client never heard).
    lose_write_answers: int = 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self.inner.handle_async_request(request)
        answer = Answer(request.method, request.url.path, response.status_code, response.headers)
        self.answers.append(answer)
        if self.lose_write_answers and request.method in ("PUT", "POST"):
            self.lose_write_answers -= 1
            await response.aread()
            raise httpx.ReadError("connection reset while reading the answer", request=request)
        return response


@dataclass
class Sandboxed:
    sandbox: EmbeddedSandbox
    runtime: Runtime
    executor: Executor
    connection: dict[str, Any]
    recording: Recording

    async def run(
        self, key: str, inputs: dict[str, Any] | None = None, kind: Kind = "action"
    ) -> Any:
        """Invoke through the executor with the demo organisation's connection; returns data."""
        result = await self.executor.invoke(key, inputs or {}, self.connection, kind=kind)
        return result["data"]

    @property
    def org(self) -> Any:
        """The sandbox's demo organisation (its records, for checking what Xero now holds)."""
        xero = self.sandbox.state.xero
        return xero.orgs[xero.demo_tenant_id]


MakeSandbox = Callable[..., Sandboxed]


@pytest.fixture
async def make_sandbox(
    settings: Settings, registry: Registry, clock: FakeClock
) -> AsyncIterator[MakeSandbox]:
    runtimes: list[Runtime] = []

    def make(config: SandboxConfig | None = None) -> Sandboxed:
        sandbox = embedded(settings, clock=clock, config=config)
        recording = Recording(sandbox.transport)
        runtime = Runtime(
            settings=sandbox.settings, registry=registry, clock=clock, transport=recording
        )
        runtimes.append(runtime)
        return Sandboxed(sandbox, runtime, Executor(runtime), sandbox.token_connection(), recording)

    yield make
    for runtime in runtimes:
        await runtime.aclose()


@pytest.fixture
def sandboxed(make_sandbox: MakeSandbox) -> Sandboxed:
    """The default demo organisation (Demo Company (IN), INR, India Standard Time)."""
    return make_sandbox()
