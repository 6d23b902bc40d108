"""Shared fixtures: an async backend, a fake clock, and runtimes wired to mocks or the sandbox."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from pathlib import Path

import pytest

from component.cli import main
from component.clock import FakeClock
from component.config import Settings, get_settings
from component.executor import Executor
from component.registry import Registry
from component.runtime import Runtime
from tests.cli_support import CliOutcome
from tests.sqlite_guard import SqliteGuard, describe
from tests.storage.postgres_fixture import postgres_url  # noqa: F401 - a fixture for every test

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


#: Prefixes of every variable the product reads (settings, sandbox URL, spec root...).
PRODUCT_ENV_PREFIXES = ("XERO_", "WHATSAPP_")
#: Variables that steer the test suite itself (set by ``.ci/run``), not the product.
TEST_CONTROL_ENV = frozenset(
    {"XERO_WA_REQUIRE_BROWSER", "XERO_WA_REQUIRE_POSTGRES", "XERO_WA_TEST_DATABASE_URL"}
)


def product_env_names(environ: Mapping[str, str]) -> list[str]:
    """The caller's variables that the product would read: a prefix, or a settings field name."""
    fields = {name.upper() for name in Settings.model_fields}
    return [
        name
        for name in environ
        if (name.upper().startswith(PRODUCT_ENV_PREFIXES) or name.upper() in fields)
        and name not in TEST_CONTROL_ENV
    ]


@pytest.fixture(autouse=True)
def isolated_environment(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Path]:
    """Every test runs as on a fresh machine, whatever the caller exported (issue 10 item 29).

    Every product variable is removed (child processes inherit the cleaned environment), the
    working directory is an empty folder (so no ``.env`` is read), ``XERO_WA_HOME`` points at
    a fresh folder, never at the developer's own data, and the start-up cache is the session's.
    """
    for name in product_env_names(os.environ):
        monkeypatch.delenv(name)
    workdir = tmp_path_factory.mktemp("cwd")
    home = workdir / "home"
    monkeypatch.setenv("XERO_WA_HOME", str(home))
    # one start-up cache (component.spec.cache) for the session, never the developer's own
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.getbasetemp() / "xdg-cache"))
    monkeypatch.chdir(workdir)
    get_settings.cache_clear()
    yield home
    get_settings.cache_clear()


@pytest.fixture(autouse=True)
def sqlite_connections_closed(monkeypatch: pytest.MonkeyPatch) -> Iterator[SqliteGuard]:
    """Fail the test that leaves a SQLite connection open (see tests/sqlite_guard.py)."""
    guard = SqliteGuard(sqlite3.connect)
    monkeypatch.setattr(sqlite3, "connect", guard.connect)
    yield guard
    leaks = guard.still_open()
    for leak in leaks:
        leak.conn.close()
    if leaks:
        pytest.fail(describe(leaks), pytrace=False)


@pytest.fixture
def cli_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An isolated environment for ``main()``: clean variables, state in a temp folder."""
    home = tmp_path / "home"
    monkeypatch.setenv("XERO_WA_HOME", str(home))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))  # the actions catalog cache
    monkeypatch.chdir(tmp_path)
    get_settings.cache_clear()
    return home


@pytest.fixture
def cli(cli_home: Path, capsys: pytest.CaptureFixture[str]) -> Callable[..., CliOutcome]:
    """Run ``xero-wa`` in-process: ``cli("run", "getInvoice", ...)`` → its CliOutcome."""

    def run(*argv: str) -> CliOutcome:
        code = main(list(argv))
        captured = capsys.readouterr()
        return CliOutcome(code, captured.out, captured.err)

    return run
