"""Shared fixtures: an async backend, a fake clock, and runtimes wired to mocks or the sandbox."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

import pytest

from component.cli import main
from component.clock import FakeClock
from component.config import Settings, get_settings
from component.executor import Executor
from component.registry import Registry
from component.runtime import Runtime
from tests.cli_support import CliOutcome

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
def whatsapp_profile() -> str:
    """The WhatsApp provider profile of the service and sandbox fixtures (tests/service/conftest):
    "meta"; a module overrides it with a parametrized fixture to run under "360dialog" too."""
    return "meta"


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


#: Variables a developer may have set that would leak into CLI tests.
CLI_ENV_NAMES = (
    "XERO_WA_CONNECTION_VALUE",
    "XERO_WA_SECRET_KEY",
    "XERO_API_URL",
    "XERO_IDENTITY_URL",
    "XERO_LOGIN_URL",
    "XERO_CONNECTIONS_URL",
    "XERO_CLIENT_ID",
    "XERO_CLIENT_SECRET",
    "WHATSAPP_ACCESS_TOKEN",
    "WHATSAPP_APP_SECRET",
    "WHATSAPP_VERIFY_TOKEN",
)


@pytest.fixture
def cli_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """An isolated environment for ``main()``: clean variables, state in a temp folder."""
    for name in CLI_ENV_NAMES:
        monkeypatch.delenv(name, raising=False)
    home = tmp_path / "home"
    monkeypatch.setenv("XERO_WA_HOME", str(home))
    monkeypatch.chdir(tmp_path)
    get_settings.cache_clear()
    yield home
    get_settings.cache_clear()


@pytest.fixture
def cli(cli_home: Path, capsys: pytest.CaptureFixture[str]) -> Callable[..., CliOutcome]:
    """Run ``xero-wa`` in-process: ``cli("run", "getInvoice", ...)`` → its CliOutcome."""

    def run(*argv: str) -> CliOutcome:
        code = main(list(argv))
        captured = capsys.readouterr()
        return CliOutcome(code, captured.out, captured.err)

    return run
