"""One parametrized store fixture: the storage, queue, outbox, token and scheduler tests run
against both backends.

A test directory opts in by importing these fixtures in its conftest (``settings`` then carries
``XERO_WA_DATABASE_URL`` of a fresh schema for the ``postgres`` run, so ``runtime.store`` is
PostgreSQL), and tests that open a store themselves use ``store_target``: the SQLite file, or
the settings naming the PostgreSQL schema (reopening it finds the same data, as a file would).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr

from component.config import Settings

BACKENDS = ("sqlite", "postgres")


@pytest.fixture(params=BACKENDS)
def store_backend(request: pytest.FixtureRequest) -> str:
    backend: str = request.param
    return backend


@pytest.fixture
def settings(tmp_path: Path, store_backend: str, request: pytest.FixtureRequest) -> Settings:
    """The suite's isolated settings, on the backend of this run."""
    extra: dict[str, Any] = {}
    if store_backend == "postgres":
        extra["xero_wa_database_url"] = SecretStr(request.getfixturevalue("postgres_url"))
    return Settings(_env_file=None, xero_wa_home=tmp_path / "home", **extra)  # type: ignore[call-arg]


@pytest.fixture
def store_target(tmp_path: Path, store_backend: str, settings: Settings) -> Path | Settings:
    """What ``Store.open`` takes: the SQLite file, or settings naming the PostgreSQL schema."""
    return tmp_path / "state.db" if store_backend == "sqlite" else settings


@pytest.fixture
def api_settings(settings: Settings) -> Settings:
    """tests/service's settings (with its API key), on the backend of this run."""
    from tests.service.conftest import API_KEY

    return settings.model_copy(update={"xero_wa_api_keys": SecretStr(f"other-key,{API_KEY}")})
