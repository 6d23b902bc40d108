"""What PostgreSQL adds for several processes on several hosts: SKIP LOCKED claims, NOTIFY
wake-ups, the cross-host refresh mutex, and a schema that matches SQLite's table for table."""

from __future__ import annotations

import asyncio
import json
import socket
import sqlite3
import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

import psycopg
import pytest
from pydantic import SecretStr

from component.clock import FakeClock
from component.config import Settings
from component.registry import Registry
from component.runtime import Runtime
from component.service.worker import Worker
from component.storage.events import NewEvent
from component.storage.locks import AdvisoryRefreshMutex, refresh_mutex
from component.storage.migrations import code_migrations
from component.storage.store import Store
from tests.cli_support import CliOutcome
from tests.service.conftest import service_config
from tests.service.test_worker import ScriptedProcessor
from tests.storage.postgres_fixture import require_server

NOW = datetime(2026, 7, 14, 9, 30, tzinfo=UTC)


def pg_settings(tmp_path: Path, url: str) -> Settings:
    return Settings(  # type: ignore[call-arg]
        _env_file=None, xero_wa_home=tmp_path / "home", xero_wa_database_url=SecretStr(url)
    )


@pytest.fixture
def stores(tmp_path: Path, postgres_url: str) -> Iterator[tuple[Store, Store]]:
    """Two stores on one schema, each with its own pool: two processes, as far as PG knows."""
    first = Store.open(pg_settings(tmp_path, postgres_url))
    second = Store.open(pg_settings(tmp_path, postgres_url))
    yield first, second
    first.close()
    second.close()


def events(n: int) -> list[NewEvent]:
    return [
        NewEvent("t1", "INVOICE", f"inv-{i:04d}", "UPDATE", "2026-07-14T09:00:00.000")
        for i in range(n)
    ]


def test_a_claim_skips_rows_another_worker_holds_instead_of_waiting(
    stores: tuple[Store, Store], postgres_url: str
) -> None:
    first, _ = stores
    assert first.events.enqueue(events(12), NOW) == 12
    ids = [e.id for e in first.events.list()]
    with psycopg.connect(postgres_url) as other:  # another worker, mid-claim on the first five
        other.execute("SELECT id FROM webhook_events ORDER BY id LIMIT 5 FOR UPDATE")
        claimed = first.events.claim("w1", NOW, 60, 10)  # returns at once, without those five
        other.rollback()
    assert [e.id for e in claimed] == ids[5:]
    assert all(e.state == "working" and e.lease_owner == "w1" for e in claimed)


def test_workers_claiming_at_once_never_share_an_event(stores: tuple[Store, Store]) -> None:
    first, second = stores
    first.events.enqueue(events(300), NOW)
    taken: dict[str, list[int]] = {"a": [], "b": []}

    def drain(store: Store, name: str) -> None:
        while batch := store.events.claim(name, NOW, 60, 7):
            taken[name] += [e.id for e in batch]

    threads = [
        threading.Thread(target=drain, args=(first, "a")),
        threading.Thread(target=drain, args=(second, "b")),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    both = taken["a"] + taken["b"]
    assert len(both) == len(set(both)) == 300
    assert first.events.counts()["working"] == 300


def test_queuing_wakes_a_waiting_worker_in_another_process(stores: tuple[Store, Store]) -> None:
    first, second = stores
    woken = threading.Event()
    listening = second.events.subscribe(woken.set)
    assert listening is not None
    try:
        first.events.enqueue(events(1), NOW)
        assert woken.wait(timeout=10), "no NOTIFY reached the other store"
        woken.clear()
        assert first.events.enqueue(events(1), NOW) == 0  # a duplicate queues nothing: no wake
        first.events.enqueue(events(2)[1:], NOW)
        assert woken.wait(timeout=10)
    finally:
        listening.close()


def test_sqlite_has_no_cross_process_wakeup(tmp_path: Path) -> None:
    """On one host the worker polls (and is woken in-process by the receiver)."""
    store = Store.open(tmp_path / "state.db")
    try:
        assert store.events.subscribe(lambda: None) is None
    finally:
        store.close()


@pytest.mark.anyio
async def test_the_refresh_mutex_is_an_advisory_lock_every_host_sees(
    stores: tuple[Store, Store], tmp_path: Path
) -> None:
    first, second = stores
    mutex = refresh_mutex(first, tmp_path, "acme", 5)
    assert isinstance(mutex, AdvisoryRefreshMutex)
    async with mutex:
        with pytest.raises(TimeoutError):  # another host waits (here: 50 ms) and gives up
            second.db.hold_lock("refresh:acme", 0.05)  # type: ignore[attr-defined]
        other = second.db.hold_lock("refresh:other-connection", 0.05)  # type: ignore[attr-defined]
        other.release()  # another connection's refresh is not held up
    held = second.db.hold_lock("refresh:acme", 0.05)  # type: ignore[attr-defined]
    held.release()


def test_the_schema_matches_sqlite_table_for_table(tmp_path: Path, postgres_url: str) -> None:
    sqlite_store = Store.open(tmp_path / "state.db")
    pg_store = Store.open(pg_settings(tmp_path, postgres_url))
    try:
        lite = sqlite3.connect(tmp_path / "state.db")
        try:
            tables = [
                r[0]
                for r in lite.execute(
                    "SELECT name FROM sqlite_master WHERE type = 'table' "
                    "AND name NOT LIKE 'sqlite_%' ORDER BY name"
                )
            ]
            expected = {t: [r[1] for r in lite.execute(f"PRAGMA table_info({t})")] for t in tables}
        finally:
            lite.close()
        with pg_store.read() as conn:
            found: dict[str, list[str]] = {}
            for row in conn.execute(
                "SELECT table_name, column_name FROM information_schema.columns "
                "WHERE table_schema = current_schema() ORDER BY table_name, ordinal_position"
            ):
                found.setdefault(row[0], []).append(row[1])
            applied = [r[0] for r in conn.execute("SELECT id FROM _migrations")]
        assert found == expected
        assert sorted(applied) == sorted(m.id for m in code_migrations())
        assert pg_store.schema().current
        assert pg_store.schema().version == sqlite_store.schema().version
    finally:
        sqlite_store.close()
        pg_store.close()


def test_ids_are_numbered_by_the_database_as_sqlite_does(stores: tuple[Store, Store]) -> None:
    first, _ = stores
    first.events.enqueue(events(3), NOW)
    ids = [e.id for e in first.events.list()]
    assert ids == [1, 2, 3]


def test_a_command_on_an_unreachable_database_exits_11_naming_the_masked_url(
    cli: Callable[..., CliOutcome], monkeypatch: pytest.MonkeyPatch
) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    monkeypatch.setenv("XERO_WA_DATABASE_URL", f"postgresql://app:s3cret@127.0.0.1:{port}/xw")
    outcome = cli("events", "--json")
    assert outcome.code == 11
    error = json.loads(outcome.err)["error"]
    assert error["code"] == "store_error"
    assert f"postgresql://app:***@127.0.0.1:{port}/xw" in error["message"]
    assert "s3cret" not in outcome.err + outcome.out


@pytest.mark.parametrize(
    ("user", "database", "says"),
    [
        ("xero_wa_nobody", "test", "refused the credentials"),
        ("postgres", "xero_wa_no_such_db", "does not exist"),
    ],
)
def test_a_command_with_wrong_credentials_or_database_exits_11_naming_the_masked_url(
    cli: Callable[..., CliOutcome],
    monkeypatch: pytest.MonkeyPatch,
    user: str,
    database: str,
    says: str,
) -> None:
    server = urlsplit(require_server())
    url = f"postgresql://{user}:s3cret@{server.hostname}:{server.port or 5432}/{database}"
    monkeypatch.setenv("XERO_WA_DATABASE_URL", url)
    outcome = cli("events", "--json")
    assert outcome.code == 11
    error = json.loads(outcome.err)["error"]
    assert error["code"] == "store_error"
    assert url.replace(":s3cret@", ":***@") in error["message"]
    assert says in error["message"]
    assert "s3cret" not in outcome.err + outcome.out


class IdleForeverClock(FakeClock):
    """A clock whose sleeps never end by themselves: a worker idling on it wakes only when told."""

    def __init__(self) -> None:
        super().__init__()
        self.idle = asyncio.Event()

    async def sleep(self, seconds: float) -> None:
        self.idle.set()
        await asyncio.Event().wait()


@pytest.mark.anyio
async def test_an_idle_worker_is_woken_by_events_another_process_queues(
    tmp_path: Path, postgres_url: str, registry: Registry
) -> None:
    """The worker's idle poll never ends here, so only NOTIFY can bring it to the new event."""
    clock = IdleForeverClock()
    runtime = Runtime(settings=pg_settings(tmp_path, postgres_url), registry=registry, clock=clock)
    other = Store.open(pg_settings(tmp_path, postgres_url))  # another process's store
    processor = ScriptedProcessor()
    worker = Worker(runtime, service_config(), processor, owner="idle-worker")  # type: ignore[arg-type]
    try:
        worker.start()
        await asyncio.wait_for(clock.idle.wait(), 30)  # nothing queued: it idles
        await asyncio.to_thread(other.events.enqueue, events(1), NOW)
        await asyncio.wait_for(processor.started.wait(), 30)
        assert processor.seen == [other.events.list()[0].id]
    finally:
        await worker.stop(grace_seconds=5)
        other.close()
        await runtime.aclose()
