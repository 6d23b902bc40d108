"""Group commit (issue 13 targets 1 and 2): concurrent writes share one transaction and one
fsync; each caller's await returns only after the commit; a failing write fails alone; a failed
batch or a broken writer answers every caller with the error instead of leaving it waiting.
Every test runs on SQLite and on PostgreSQL: the service's webhooks and the outbox go through
the group commit on both."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from component.config import Settings
from component.storage import group_commit
from component.storage.events import NewEvent
from component.storage.group_commit import GroupCommit
from component.storage.store import Store
from tests.storage import postgres_backends
from tests.virtual_clock import VirtualClock

pytestmark = pytest.mark.anyio

# Every test here runs on SQLite and on PostgreSQL.
settings = postgres_backends.settings
store_backend = postgres_backends.store_backend
store_target = postgres_backends.store_target

NOW = datetime(2026, 7, 14, 9, 30, tzinfo=UTC)


def event(n: int) -> NewEvent:
    return NewEvent(
        "tenant-1", "INVOICE", f"inv-{n}", "UPDATE", f"2026-07-14T09:30:{n % 60:02d}.000"
    )


def stored(target: Path | Settings) -> set[str]:
    """What another process sees: a second store on the same database."""
    other = Store.open(target)
    try:
        return {e.resource_id for e in other.events.list()}
    finally:
        other.close()


store = postgres_backends.opened_store


async def test_writes_waiting_together_are_committed_in_one_transaction(
    store: Store, store_target: Path | Settings
) -> None:
    writer = GroupCommit(store)
    held, release = threading.Event(), threading.Event()

    def first() -> int:
        held.set()
        release.wait(10)
        return store.events.enqueue([event(0)], NOW)

    head = asyncio.create_task(writer.run(first))
    await asyncio.to_thread(held.wait, 10)  # the writer is inside its first transaction
    rest = [
        asyncio.create_task(writer.run(lambda n=n: store.events.enqueue([event(n)], NOW)))
        for n in range(1, 41)
    ]
    await asyncio.sleep(0)
    release.set()

    assert await head == 1
    assert await asyncio.gather(*rest) == [1] * 40
    assert (writer.batches, writer.writes) == (2, 41)
    assert stored(store_target) == {f"inv-{n}" for n in range(41)}


async def test_a_failing_write_fails_alone_and_the_rest_of_its_batch_commits(
    store: Store, store_target: Path | Settings
) -> None:
    writer = GroupCommit(store)
    runs: list[str] = []

    def good(n: int) -> int:
        runs.append(f"good {n}")
        return store.events.enqueue([event(n)], NOW)

    def broken() -> int:
        runs.append("broken")
        store.events.enqueue([event(99)], NOW)  # written, then rolled back with its savepoint
        raise ValueError("bad write")

    results = await asyncio.gather(
        writer.run(lambda: good(1)), writer.run(broken), writer.run(lambda: good(2)),
        return_exceptions=True,
    )  # fmt: skip

    assert (results[0], results[2]) == (1, 1)
    assert isinstance(results[1], ValueError)
    assert (writer.batches, writer.writes) == (1, 3)  # one transaction for the three
    assert stored(store_target) == {"inv-1", "inv-2"}
    # the first attempt, without savepoints, was rolled back whole at the failure; the batch
    # then ran again with each write in its own savepoint
    assert runs == ["good 1", "broken", "good 1", "broken", "good 2"]


async def test_a_batch_whose_writes_succeed_takes_no_savepoints(
    store: Store, store_target: Path | Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    writer = GroupCommit(store)
    savepoints: list[object] = []
    alone = group_commit.alone
    monkeypatch.setattr(
        group_commit, "alone", lambda store, write: savepoints.append(write) or alone(store, write)
    )

    results = await asyncio.gather(
        *(writer.run(lambda n=n: store.events.enqueue([event(n)], NOW)) for n in range(3))
    )

    assert results == [1, 1, 1]
    assert savepoints == []
    assert stored(store_target) == {"inv-0", "inv-1", "inv-2"}


async def test_a_write_alone_in_its_batch_that_fails_runs_once(
    store: Store, store_target: Path | Settings
) -> None:
    writer = GroupCommit(store)
    runs: list[str] = []

    def broken() -> int:
        runs.append("broken")
        store.events.enqueue([event(99)], NOW)
        raise ValueError("bad write")

    with pytest.raises(ValueError, match="bad write"):
        await writer.run(broken)

    assert runs == ["broken"]  # its rolled-back transaction was its savepoint: nothing to redo
    assert stored(store_target) == set()
    assert await writer.run(lambda: store.events.enqueue([event(1)], NOW)) == 1
    assert stored(store_target) == {"inv-1"}


async def test_the_await_returns_after_the_commit(
    store: Store, store_target: Path | Settings
) -> None:
    writer = GroupCommit(store)
    assert await writer.run(lambda: store.events.enqueue([event(7)], NOW)) == 1
    assert stored(store_target) == {"inv-7"}  # durable for anyone the moment the caller goes on


async def test_a_batch_wakes_the_waiting_loop_once(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """40 callers answered by one trip through the loop's self-pipe, not 40 (issue 13)."""
    writer = GroupCommit(store)
    loop = asyncio.get_running_loop()
    held, release = threading.Event(), threading.Event()

    def first() -> int:
        held.set()
        release.wait(10)
        return store.events.enqueue([event(0)], NOW)

    head = asyncio.create_task(writer.run(first))
    await asyncio.to_thread(held.wait, 10)
    rest = [
        asyncio.create_task(writer.run(lambda n=n: store.events.enqueue([event(n)], NOW)))
        for n in range(1, 41)
    ]
    await asyncio.sleep(0)
    wakes = []
    threadsafe = loop.call_soon_threadsafe

    def counted(callback: object, *args: object, **kwargs: object) -> object:
        wakes.append(callback)
        return threadsafe(callback, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(loop, "call_soon_threadsafe", counted)
    release.set()
    assert await head == 1
    assert await asyncio.gather(*rest) == [1] * 40
    assert len(wakes) == 2  # the first batch and the second (40 writes)


@contextmanager
def failing_commits(store: Store, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Every outermost transaction of ``store`` fails where its COMMIT would be (a full disk):
    it is rolled back whole. The writes' own nested blocks are left alone."""
    real = store.transaction
    depth = 0

    @contextmanager
    def transaction(*args: Any, **kwargs: Any) -> Iterator[Any]:
        nonlocal depth
        with real(*args, **kwargs) as conn:
            depth += 1
            try:
                yield conn
            finally:
                depth -= 1
            if depth == 0:
                raise sqlite3.OperationalError("database or disk is full")

    with monkeypatch.context() as patch:
        patch.setattr(store, "transaction", transaction)
        yield


@pytest.mark.parametrize("count", [1, 5])  # a write alone: its COMMIT is not its own failure
async def test_a_failed_batch_answers_every_caller_with_its_error_and_keeps_nothing(
    count: int,
    store: Store,
    store_target: Path | Settings,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    writer = GroupCommit(store)
    with failing_commits(store, monkeypatch):
        results = await asyncio.gather(
            *(writer.run(lambda n=n: store.events.enqueue([event(n)], NOW)) for n in range(count)),
            return_exceptions=True,
        )
    assert [str(r) for r in results] == ["database or disk is full"] * count
    assert all(isinstance(r, sqlite3.OperationalError) for r in results)
    assert f"a group commit of {count} write(s) failed: database or disk is full" in caplog.text
    assert stored(store_target) == set()
    # the writer goes on: the next batch commits
    assert await writer.run(lambda: store.events.enqueue([event(9)], NOW)) == 1
    assert stored(store_target) == {"inv-9"}


async def test_a_broken_writer_fails_every_waiting_caller_instead_of_leaving_it_waiting(
    store: Store, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """A bug in the writer thread itself (not in a write, not in the database)."""
    writer = GroupCommit(store)

    def bug(writes: object) -> None:
        raise RuntimeError("writer bug")

    with monkeypatch.context() as patch:
        patch.setattr(writer, "_commit", bug)
        calls = [writer.run(lambda n=n: store.events.enqueue([event(n)], NOW)) for n in range(3)]
        answers = asyncio.gather(*calls, return_exceptions=True)
        results = await asyncio.wait_for(answers, timeout=10)  # a bound, not a wait: a hang fails
    assert [str(r) for r in results] == ["writer bug"] * 3
    # the bug gone, the next write starts a new writer and is committed
    assert await writer.run(lambda: store.events.enqueue([event(5)], NOW)) == 1
    assert "the group commit writer failed" in caplog.text


async def test_a_writer_that_ended_idle_is_started_again_by_the_next_write(
    store: Store, store_target: Path | Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With no idle time at all, the thread ends after every batch: each write must still be
    answered (the end and the next start race on every one of them)."""
    monkeypatch.setattr(group_commit, "IDLE_SECONDS", 0.0)
    writer = GroupCommit(store)
    for n in range(20):
        assert await writer.run(lambda n=n: store.events.enqueue([event(n)], NOW)) == 1
    assert stored(store_target) == {f"inv-{n}" for n in range(20)}


def test_a_wake_lost_with_its_closed_loop_does_not_stall_the_next_writes(
    store: Store, store_target: Path | Settings
) -> None:
    """A loop that queued a write and closed before its wake-up of the writer ran (a command's
    ``asyncio.run`` ending, a test's loop torn down) takes that wake-up with it: the next write,
    from another loop, must wake the writer itself instead of waiting forever for the lost one."""
    writer = GroupCommit(store)
    first = asyncio.new_event_loop()
    abandoned: list[asyncio.Future[int]] = []

    async def queue_and_leave() -> None:
        abandoned.append(
            asyncio.ensure_future(writer.run(lambda: store.events.enqueue([event(1)], NOW)))
        )

    first.run_until_complete(queue_and_leave())  # the write is queued, its wake-up scheduled
    first.set_exception_handler(lambda _loop, _context: None)  # its task is abandoned on purpose
    first.close()  # ... and never run

    async def write_again() -> int:
        return await asyncio.wait_for(
            writer.run(lambda: store.events.enqueue([event(2)], NOW)), timeout=30
        )

    assert asyncio.run(write_again()) == 1
    assert stored(store_target) == {"inv-1", "inv-2"}  # the orphan write is committed too


async def test_under_the_virtual_clock_batches_run_on_the_loops_thread(store: Store) -> None:
    """The seam ``tests/virtual_clock.py`` relies on: no thread of the writer's can still be
    committing when every task waits on the clock."""
    writer = GroupCommit(store)
    threads: set[int] = set()

    def write(n: int) -> int:
        threads.add(threading.get_ident())
        return store.events.enqueue([event(n)], NOW)

    async def work() -> list[int]:
        return list(await asyncio.gather(*(writer.run(lambda n=n: write(n)) for n in range(3))))

    assert await VirtualClock().run(work()) == [1, 1, 1]
    assert threads == {threading.get_ident()}
    assert (writer.batches, writer.writes) == (1, 3)


CRASH_AFTER_COMMIT = """
import asyncio, datetime, json, os, signal, sys
from pathlib import Path
from component.config import Settings
from component.storage.events import NewEvent
from component.storage.group_commit import GroupCommit
from component.storage.store import Store

target = json.loads(sys.argv[1])
store = Store.open(Path(target["path"]) if "path" in target else Settings(
    _env_file=None, xero_wa_home=target["home"], xero_wa_database_url=target["url"]))
writer = GroupCommit(store)
# the commit is done: the process dies before any caller is answered
writer._answer = lambda batch, outcomes: os.kill(os.getpid(), signal.SIGKILL)
now = datetime.datetime(2026, 7, 14, 9, 30, tzinfo=datetime.UTC)

async def main():
    await asyncio.gather(*(writer.run(lambda n=n: store.events.enqueue(
        [NewEvent("tenant-1", "INVOICE", f"inv-{n}", "UPDATE", "2026-07-14T09:30:00.000")],
        now)) for n in range(3)))

asyncio.run(main())
"""


def test_a_crash_between_commit_and_answer_loses_nothing(
    store_target: Path | Settings, tmp_path: Path
) -> None:
    """A delivery is answered 200 only after its commit, so the commit must stand on its own:
    the process is killed (SIGKILL, no shutdown) after the commit and before any answer."""
    Store.open(store_target).close()  # created (and migrated) as the service would have
    if isinstance(store_target, Path):
        target: dict[str, str] = {"path": str(store_target)}
    else:
        url = store_target.xero_wa_database_url
        assert url is not None
        target = {"home": str(store_target.xero_wa_home), "url": url.get_secret_value()}
    env = {"PATH": os.defpath, "HOME": str(tmp_path)}  # not the caller's environment
    died = subprocess.run(
        [sys.executable, "-c", CRASH_AFTER_COMMIT, json.dumps(target)],
        env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert died.returncode == -signal.SIGKILL, died.stderr
    assert stored(store_target) == {"inv-0", "inv-1", "inv-2"}
