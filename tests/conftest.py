"""Shared fixtures: an async backend, a fake clock, and runtimes wired to mocks or the sandbox."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from component.clock import FakeClock
from component.config import Settings
from component.executor import Executor
from component.registry import Registry
from component.runtime import Runtime

TOKEN_CONNECTION = {"type": "xeroToken", "accessToken": "test-access-token", "tenantId": "tenant-1"}


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(scope="session")
def registry() -> Registry:
    return Registry.load()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Settings isolated from the developer's environment, with state in a temp folder."""
    return Settings(_env_file=None, xero_wa_home=tmp_path / "home")  # type: ignore[call-arg]


@pytest.fixture
async def runtime(
    settings: Settings, registry: Registry, clock: FakeClock
) -> AsyncIterator[Runtime]:
    """A runtime on the default transport (which pytest-httpx intercepts)."""
    rt = Runtime(settings=settings, registry=registry, clock=clock)
    yield rt
    await rt.aclose()


@pytest.fixture
def executor(runtime: Runtime) -> Executor:
    return Executor(runtime)
