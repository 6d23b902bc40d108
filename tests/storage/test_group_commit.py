"""Group commit (issue 13 targets 1 and 2): concurrent writes share one transaction and one
fsync; each caller's await returns only after the commit; a failing write fails alone."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from component.storage.events import NewEvent
from component.storage.group_commit import GroupCommit
from component.storage.store import Store

pytestmark = pytest.mark.anyio

NOW = datetime(2026, 7, 14, 9, 30, tzinfo=UTC)


def event(n: int) -> NewEvent:
    return NewEvent(
        "tenant-1", "INVOICE", f"inv-{n}", "UPDATE", f"2026-07-14T09:30:{n % 60:02d}.000"
    )


def stored(path: Path) -> set[str]:
    """What another process sees: a second store on the same file."""
    other = Store.open(path)
    try:
        return {e.resource_id for e in other.events.list()}
    finally:
        other.close()


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    opened = Store.open(tmp_path / "state.db")
    yield opened
    opened.close()


async def test_writes_waiting_together_are_committed_in_one_transaction(store: Store) -> None:
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
    assert stored(store.path) == {f"inv-{n}" for n in range(41)}


async def test_a_failing_write_fails_alone_and_the_rest_of_its_batch_commits(
    store: Store,
) -> None:
    writer = GroupCommit(store)

    def broken() -> int:
        store.events.enqueue([event(99)], NOW)  # written, then rolled back with its savepoint
        raise ValueError("bad write")

    results = await asyncio.gather(
        writer.run(lambda: store.events.enqueue([event(1)], NOW)),
        writer.run(broken),
        writer.run(lambda: store.events.enqueue([event(2)], NOW)),
        return_exceptions=True,
    )

    assert (results[0], results[2]) == (1, 1)
    assert isinstance(results[1], ValueError)
    assert stored(store.path) == {"inv-1", "inv-2"}


async def test_the_await_returns_after_the_commit(store: Store) -> None:
    writer = GroupCommit(store)
    assert await writer.run(lambda: store.events.enqueue([event(7)], NOW)) == 1
    assert stored(store.path) == {"inv-7"}  # durable for anyone the moment the caller goes on
