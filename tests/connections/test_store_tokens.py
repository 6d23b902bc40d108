"""Token storage: encryption at rest, file modes, the refresh bookkeeping and the refresh mutex."""

from __future__ import annotations

import asyncio
import os
import stat
from datetime import timedelta
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from pydantic import SecretStr

from component import errors
from component.clock import FakeClock
from component.config import Settings
from component.oauth.access import cipher, token_repo
from component.oauth.token_set import TokenSet
from component.registry import Registry
from component.runtime import Runtime
from component.storage.crypto import PREFIX
from component.storage.locks import RefreshMutex
from tests.connections.oauth_fixtures import CLIENT_SECRET, store_connection
from tests.storage import postgres_backends

# Every test here runs on SQLite and on PostgreSQL (tests/storage/postgres_backends.py).
settings = postgres_backends.settings
store_backend = postgres_backends.store_backend

pytestmark = pytest.mark.anyio
ACCESS = "access-token-in-clear-text"
REFRESH = "refresh-token-in-clear-text"


def raw_rows(settings: Settings) -> str:
    """Everything stored, as text: what someone who copies the file (or the database) can read."""
    rows = postgres_backends.raw_rows(settings, "SELECT * FROM token_sets")
    rows += postgres_backends.raw_rows(settings, "SELECT * FROM connections")
    return repr(rows)


def runtime_with_key(
    settings: Settings, registry: Registry, clock: FakeClock, key: str | None
) -> Runtime:
    keyed = settings.model_copy(update={"xero_wa_secret_key": SecretStr(key) if key else None})
    return Runtime(settings=keyed, registry=registry, clock=clock)


@postgres_backends.sqlite_only("the modes of the store's files")
async def test_without_a_key_tokens_are_plain_text_in_a_0600_file(runtime: Runtime) -> None:
    store_connection(runtime)
    path = runtime.settings.store_path
    for file in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        assert stat.S_IMODE(os.stat(file).st_mode) == 0o600, file
    text = raw_rows(runtime.settings)
    assert "RT0" in text
    assert CLIENT_SECRET in text


@pytest.mark.parametrize("key", [Fernet.generate_key().decode(), "correct horse battery staple"])
async def test_with_a_key_no_secret_is_readable_in_the_file(
    settings: Settings, registry: Registry, clock: FakeClock, key: str
) -> None:
    runtime = runtime_with_key(settings, registry, clock, key)
    try:
        store_connection(runtime, access=ACCESS, refresh=REFRESH)
        text = raw_rows(settings)
        for secret in (ACCESS, REFRESH, CLIENT_SECRET):
            assert secret not in text
        assert PREFIX in text
        record = token_repo(runtime).get("acme")
        assert record is not None
        assert record.refresh_token == REFRESH
        stored = runtime.store.connections.get("acme", cipher(runtime))
        assert stored is not None
        assert stored.values["clientSecret"] == CLIENT_SECRET
    finally:
        await runtime.aclose()
    again = runtime_with_key(settings, registry, clock, key)  # another process, same key
    try:
        record = token_repo(again).get("acme")
        assert record is not None
        assert record.tokens is not None
        assert record.tokens.access_token == ACCESS
    finally:
        await again.aclose()


async def test_a_wrong_or_missing_key_is_reported_with_the_fix(
    settings: Settings, registry: Registry, clock: FakeClock
) -> None:
    first = runtime_with_key(settings, registry, clock, "passphrase one")
    store_connection(first)
    await first.aclose()

    wrong = runtime_with_key(settings, registry, clock, "passphrase two")
    try:
        with pytest.raises(errors.ConnectionError) as caught:
            token_repo(wrong).get("acme")
        assert "XERO_WA_SECRET_KEY differs" in caught.value.message
    finally:
        await wrong.aclose()

    missing = runtime_with_key(settings, registry, clock, None)
    try:
        with pytest.raises(errors.ConnectionError, match="XERO_WA_SECRET_KEY is not set"):
            token_repo(missing).get("acme")
    finally:
        await missing.aclose()


async def test_rows_written_before_a_key_was_set_stay_readable(
    settings: Settings, registry: Registry, clock: FakeClock
) -> None:
    plain = runtime_with_key(settings, registry, clock, None)
    store_connection(plain)
    await plain.aclose()
    keyed = runtime_with_key(settings, registry, clock, Fernet.generate_key().decode())
    try:
        record = token_repo(keyed).get("acme")
        assert record is not None
        assert record.refresh_token == "RT0"
    finally:
        await keyed.aclose()


async def test_finish_keeps_the_previous_refresh_token_and_refuses_a_replaced_row(
    runtime: Runtime, clock: FakeClock
) -> None:
    store_connection(runtime)
    repo = token_repo(runtime)
    now = clock.now()
    generation = repo.begin_refresh("acme", "RT0", "test:1", now)
    inflight = repo.get("acme")
    assert inflight is not None
    assert inflight.inflight is not None
    assert inflight.inflight.owner == "test:1"

    new = TokenSet("AT1", now + timedelta(seconds=1800), "RT1", None)
    assert repo.finish_refresh("acme", new, "RT0", generation, now)
    record = repo.get("acme")
    assert record is not None
    assert (record.refresh_token, record.previous_refresh_token) == ("RT1", "RT0")
    assert record.rotated_at == now
    assert record.inflight is None
    assert record.generation == generation + 1

    stale = repo.finish_refresh("acme", TokenSet("X", now, "Y", None), "RT0", generation, now)
    assert not stale  # the row moved on: an old refresh must not overwrite it
    record = repo.get("acme")
    assert record is not None
    assert record.refresh_token == "RT1"


async def test_the_refresh_mutex_excludes_a_second_holder_until_released(tmp_path: Path) -> None:
    order: list[str] = []
    first = RefreshMutex(tmp_path, "acme", wait_seconds=5)
    second = RefreshMutex(tmp_path, "acme", wait_seconds=5)

    async def later() -> None:
        async with second:
            order.append("second")

    async with first:
        waiting = asyncio.create_task(later())
        for _ in range(20):  # give the waiter every chance to (wrongly) get in
            await asyncio.sleep(0)
        order.append("first")
    await waiting
    assert order == ["first", "second"]
    assert stat.S_IMODE(os.stat(first.path).st_mode) == 0o600


async def test_a_mutex_that_cannot_be_had_in_time_says_so(tmp_path: Path) -> None:
    async with RefreshMutex(tmp_path, "acme", wait_seconds=5):
        impatient = RefreshMutex(tmp_path, "acme", wait_seconds=0.05)
        with pytest.raises(errors.ConnectionError, match="another process"):
            async with impatient:
                pass
