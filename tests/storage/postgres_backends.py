"""One parametrized store fixture: the storage, queue, outbox, token and scheduler tests run
against both backends.

A test directory opts in by importing these fixtures in its conftest (``settings`` then carries
``XERO_WA_DATABASE_URL`` of a fresh schema for the ``postgres`` run, so ``runtime.store`` is
PostgreSQL), and tests that open a store themselves use ``store_target``: the SQLite file, or
the settings naming the PostgreSQL schema (reopening it finds the same data, as a file would).
Tests that run commands in-process (the ``cli`` fixture, ``get_settings()``) take ``store_env``:
the environment then names the same store. A module whose tests mostly never touch the store
takes ``sqlite_unless_marked`` as its ``store_backend`` and marks the others ``both_backends``.

On the ``postgres`` run no SQLite store may appear in the data home: a test whose runtime
quietly opened the file instead would pass on SQLite twice, so ``settings`` fails it.
"""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr

from component.config import Settings, get_settings
from component.registry import Registry
from component.runtime import Runtime
from component.storage.store import Store
from tests.virtual_clock import VirtualClock

BACKENDS = ("sqlite", "postgres")


def sqlite_only(why: str) -> pytest.MarkDecorator:
    """Run one test of a both-backend module on SQLite only, because of ``why`` (a file's modes,
    a damaged or read-only file: things a PostgreSQL server does not have)."""
    del why  # for the reader: the decorator line says why
    return pytest.mark.parametrize("store_backend", ["sqlite"])


def postgres_only(why: str) -> pytest.MarkDecorator:
    """Run one test of a both-backend module on PostgreSQL only, because of ``why`` (a server
    to lose, a URL and its password: things a SQLite file does not have)."""
    del why  # for the reader: the decorator line says why
    return pytest.mark.parametrize("store_backend", ["postgres"])


def raw_rows(target: Path | Settings, sql: str) -> list[tuple[Any, ...]]:
    """Rows read straight from the database, around the store: what someone holding a copy of
    the file (or of the PostgreSQL database) can read."""
    url = None if isinstance(target, Path) else target.xero_wa_database_url
    if url is not None:
        import psycopg

        with psycopg.connect(url.get_secret_value()) as conn:
            return [tuple(row) for row in conn.execute(sql).fetchall()]  # type: ignore[arg-type]
    path = target if isinstance(target, Path) else target.store_path
    db = sqlite3.connect(path)
    try:
        return [tuple(row) for row in db.execute(sql).fetchall()]
    finally:
        db.close()


@pytest.fixture(params=BACKENDS)
def store_backend(request: pytest.FixtureRequest) -> str:
    backend: str = request.param
    return backend


@pytest.fixture(name="store_backend")
def sqlite_unless_marked() -> str:
    """``store_backend`` for a module in which only some tests exercise the store (the others
    check keys, signatures, parsing): those are marked ``both_backends``; the rest run once, on
    SQLite, since a PostgreSQL run of them would test nothing new and cost a fresh schema."""
    return "sqlite"


#: In a module that takes ``sqlite_unless_marked``: this test runs on both backends.
both_backends = pytest.mark.parametrize("store_backend", BACKENDS)


@pytest.fixture
def settings(
    tmp_path: Path, store_backend: str, request: pytest.FixtureRequest
) -> Iterator[Settings]:
    """The suite's isolated settings, on the backend of this run."""
    extra: dict[str, Any] = {}
    if store_backend == "postgres":
        extra["xero_wa_database_url"] = SecretStr(request.getfixturevalue("postgres_url"))
    chosen = Settings(_env_file=None, xero_wa_home=tmp_path / "home", **extra)  # type: ignore[call-arg]
    yield chosen
    if store_backend == "postgres":
        assert not chosen.store_path.exists(), (
            f"the PostgreSQL run made a SQLite store at {chosen.store_path}: something in this "
            "test opened the file instead of the settings' database"
        )


@pytest.fixture
def store_env(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """``settings``, and an environment that names the same store, for commands run in-process
    (the ``cli`` fixture, ``get_settings()``): ``XERO_WA_DATABASE_URL`` on the postgres run."""
    monkeypatch.setenv("XERO_WA_HOME", str(settings.xero_wa_home))
    if settings.xero_wa_database_url is not None:
        monkeypatch.setenv("XERO_WA_DATABASE_URL", settings.xero_wa_database_url.get_secret_value())
    get_settings.cache_clear()
    return settings


@pytest.fixture
def store_target(tmp_path: Path, store_backend: str, settings: Settings) -> Path | Settings:
    """What ``Store.open`` takes: the SQLite file, or settings naming the PostgreSQL schema."""
    return tmp_path / "state.db" if store_backend == "sqlite" else settings


@pytest.fixture
def opened_store(store_target: Path | Settings) -> Iterator[Store]:
    """A store opened on the backend of this run, closed after the test (modules that need no
    more than that take it as their ``store``: ``store = postgres_backends.opened_store``)."""
    opened = Store.open(store_target)
    yield opened
    opened.close()


@pytest.fixture
def api_settings(settings: Settings) -> Settings:
    """tests/service's settings (with its API key), on the backend of this run."""
    from tests.service.conftest import API_KEY

    return settings.model_copy(update={"xero_wa_api_keys": SecretStr(f"other-key,{API_KEY}")})


@pytest.fixture
def vclock() -> VirtualClock:
    """One virtual clock for every runtime of a test, as hosts with synchronised clocks have."""
    return VirtualClock()


@pytest.fixture
async def processes(
    settings: Settings, registry: Registry, vclock: VirtualClock
) -> AsyncIterator[Callable[[], Runtime]]:
    """``processes()``: a new runtime on the test's store, standing for one more process (its
    own store connection and process-wide objects, the shared virtual clock); all are closed
    after the test."""
    from component.storage.store import Store

    Store.open(settings).close()  # the data home has a store, as a deployment's has
    runtimes: list[Runtime] = []

    def make() -> Runtime:
        runtime = Runtime(settings=settings, registry=registry, clock=vclock)
        runtimes.append(runtime)
        return runtime

    yield make
    for runtime in runtimes:
        await runtime.aclose()
