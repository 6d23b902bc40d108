"""A connection dropped mid-transaction retries the transaction, never half-applies it (issue 12).

Real repository operations run against PostgreSQL through a proxy (``pg_drop_proxy``) that loses
their connection at a chosen statement: cut on the network, or killed by the server
(``pg_terminate_backend``) before COMMIT, and cut right after the COMMIT reached the server (it
committed, the client never heard). Each operation must succeed once: its answer is the one a
single run gives, and its rows are there once (a blind retry after a lost COMMIT would apply it
twice: a second token generation, a claim that finds its event already leased, "already sending").
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg
import pytest
from pydantic import SecretStr

from component.config import Settings
from component.oauth.token_set import TokenSet
from component.storage import postgres_db
from component.storage.connections import write_connection
from component.storage.crypto import PLAIN
from component.storage.events import NewEvent
from component.storage.group_commit import GroupCommit
from component.storage.outbox import Claim
from component.storage.outbox_reads import Item
from component.storage.postgres_errors import DatabaseError
from component.storage.store import Store
from component.storage.tokens import TokenRepo
from tests.storage import pg_drop_proxy
from tests.storage.pg_drop_proxy import DropProxy, How

proxy = pg_drop_proxy.proxy

NOW = datetime(2026, 7, 14, 9, 30, tzinfo=UTC)
ITEMS = [Item("tenant-1", "INV-1", "overdue_7"), Item("tenant-1", "INV-2", "overdue_7")]
#: Ways to lose the connection before the transaction commits.
BEFORE_COMMIT: list[How] = ["before", "terminate"]


@pytest.fixture
def store(proxy: DropProxy, postgres_url: str, tmp_path: Path) -> Iterator[Store]:
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None,
        xero_wa_home=tmp_path / "home",
        xero_wa_database_url=SecretStr(proxy.url(postgres_url)),
    )
    opened = Store.open(settings)
    yield opened
    opened.close()


def starts(prefix: str) -> Any:
    """Drop at the statement that starts with ``prefix``."""
    return lambda sql, since_begin: sql.startswith(prefix)


def commit_after(prefix: str) -> Any:
    """Drop at the COMMIT of the transaction that ran a statement starting with ``prefix``."""
    return lambda sql, since_begin: (
        sql == "COMMIT" and any(s.startswith(prefix) for s in since_begin)
    )


def rows(postgres_url: str, sql: str) -> list[tuple[Any, ...]]:
    """Straight from the server, not through the proxy or the store."""
    with psycopg.connect(postgres_url) as conn:
        return list(conn.execute(sql).fetchall())  # type: ignore[arg-type]


# ---------------------------------------------------------------------- outbox
@pytest.mark.parametrize("how", BEFORE_COMMIT)
def test_an_outbox_claim_dropped_mid_transaction_is_claimed_once(
    store: Store, proxy: DropProxy, postgres_url: str, how: How
) -> None:
    proxy.arm(starts("INSERT INTO outbox_items"), how)
    assert store.outbox.claim("msg-1", kind="reminder", items=ITEMS) == Claim(True)
    assert len(proxy.fired) == 1
    assert rows(postgres_url, "SELECT key, state, attempts FROM outbox_messages") == [
        ("msg-1", "intent", 0)
    ]
    assert sorted(rows(postgres_url, "SELECT subject_id, message_key FROM outbox_items")) == [
        ("INV-1", "msg-1"),
        ("INV-2", "msg-1"),
    ]


def test_an_outbox_claim_whose_commit_answer_is_lost_is_claimed_once(
    store: Store, proxy: DropProxy, postgres_url: str
) -> None:
    proxy.arm(commit_after("INSERT INTO outbox_items"), "after")
    assert store.outbox.claim("msg-1", kind="reminder", items=ITEMS) == Claim(True)
    assert proxy.fired == ["COMMIT"]
    assert rows(postgres_url, "SELECT key, state FROM outbox_messages") == [("msg-1", "intent")]
    assert len(rows(postgres_url, "SELECT 1 FROM outbox_items")) == 2


@pytest.mark.parametrize("how", [*BEFORE_COMMIT, "after"])
def test_the_sending_mark_is_recorded_once_whatever_the_drop(
    store: Store, proxy: DropProxy, postgres_url: str, how: How
) -> None:
    """The mark committed before the WhatsApp request leaves: run twice, it would answer
    "message already sending" and the message would never go out."""
    store.outbox.claim("msg-1", kind="reminder", items=ITEMS)
    mark = "UPDATE outbox_messages SET state = 'sending'"
    proxy.arm(commit_after(mark) if how == "after" else starts(mark), how)
    assert store.outbox.start_sending("msg-1") is None
    assert len(proxy.fired) == 1
    assert rows(postgres_url, "SELECT state, attempts FROM outbox_messages") == [("sending", 1)]


@pytest.mark.parametrize("how", [*BEFORE_COMMIT, "after"])
def test_a_sent_record_is_stored_once(
    store: Store, proxy: DropProxy, postgres_url: str, how: How
) -> None:
    store.outbox.claim("msg-1", kind="reminder", items=ITEMS)
    store.outbox.mark_sending("msg-1")
    mark = "UPDATE outbox_messages SET state = 'sent'"
    proxy.arm(commit_after(mark) if how == "after" else starts(mark), how)
    store.outbox.mark_sent("msg-1", "wamid.1")
    assert len(proxy.fired) == 1
    assert rows(postgres_url, "SELECT state, message_id, attempts FROM outbox_messages") == [
        ("sent", "wamid.1", 1)
    ]


# ---------------------------------------------------------------------- webhook events
def new_event(resource: str = "INV-1") -> NewEvent:
    return NewEvent("tenant-1", "INVOICE", resource, "CREATE", "2026-07-14T09:29:00")


@pytest.mark.parametrize("how", [*BEFORE_COMMIT, "after"])
def test_an_event_enqueued_over_a_dropped_connection_is_queued_once(
    store: Store, proxy: DropProxy, postgres_url: str, how: How
) -> None:
    insert = "INSERT INTO webhook_events"
    proxy.arm(commit_after(insert) if how == "after" else starts(insert), how)
    assert store.events.enqueue([new_event()], NOW) == 1  # a blind rerun counts a duplicate: 0
    assert len(proxy.fired) == 1
    assert rows(postgres_url, "SELECT resource_id, state, attempts FROM webhook_events") == [
        ("INV-1", "queued", 0)
    ]


@pytest.mark.parametrize("how", [*BEFORE_COMMIT, "after"])
def test_an_event_claimed_over_a_dropped_connection_is_leased_once(
    store: Store, proxy: DropProxy, postgres_url: str, how: How
) -> None:
    store.events.enqueue([new_event()], NOW)
    lease = "UPDATE webhook_events SET state = 'working'"
    proxy.arm(commit_after(lease) if how == "after" else starts(lease), how)
    claimed = store.events.claim("worker-1", NOW, lease_seconds=60, limit=10)
    assert len(proxy.fired) == 1
    assert [(e.resource_id, e.state, e.attempts, e.lease_owner) for e in claimed] == [
        ("INV-1", "working", 1, "worker-1")
    ]
    assert rows(postgres_url, "SELECT state, attempts FROM webhook_events") == [("working", 1)]


@pytest.mark.anyio
@pytest.mark.parametrize("how", [*BEFORE_COMMIT, "after"])
async def test_the_group_commit_batch_runs_again_whole(
    store: Store, proxy: DropProxy, postgres_url: str, how: How
) -> None:
    """The service's webhook ingest and the outbox steps go through the group commit: a batch
    whose connection dropped is applied once, and each caller gets its own answer."""
    writer = GroupCommit(store)
    insert = "INSERT INTO webhook_events"
    proxy.arm(commit_after(insert) if how == "after" else starts(insert), how)
    assert await writer.run(lambda: store.events.enqueue([new_event("INV-7")], NOW)) == 1
    assert len(proxy.fired) == 1
    assert rows(postgres_url, "SELECT resource_id, attempts FROM webhook_events") == [("INV-7", 0)]
    assert writer.batches == 1


# ---------------------------------------------------------------------- tokens
@pytest.mark.parametrize("how", [*BEFORE_COMMIT, "after"])
def test_a_token_set_saved_over_a_dropped_connection_is_saved_once(
    store: Store, proxy: DropProxy, postgres_url: str, how: How
) -> None:
    tokens = TokenRepo(store, PLAIN)
    fresh = TokenSet("access-1", NOW + timedelta(minutes=30), "refresh-1", "offline_access")
    insert = "INSERT INTO token_sets"
    proxy.arm(commit_after(insert) if how == "after" else starts(insert), how)
    # as `xero-wa connect` does: the connection row and its first tokens in one transaction
    tokens.save(
        "xero",
        "authorization_code",
        fresh,
        NOW,
        first=lambda conn: write_connection(conn, "xero", "xeroOAuth", "xero", {"clientId": "c"}),
    )
    assert len(proxy.fired) == 1
    saved = tokens.get("xero")
    assert saved is not None
    assert saved.tokens == fresh
    assert saved.generation == 1  # a blind rerun of the upsert makes it 2
    assert rows(postgres_url, "SELECT name, type FROM connections") == [("xero", "xeroOAuth")]


# ---------------------------------------------------------------------- the scheduler
@pytest.mark.parametrize("how", [*BEFORE_COMMIT, "after"])
def test_a_schedule_slot_claimed_over_a_dropped_connection_is_claimed_once(
    store: Store, proxy: DropProxy, postgres_url: str, how: How
) -> None:
    """Run twice, the claim finds its own running slot and says "taken": the slot never runs."""
    insert = "INSERT INTO schedule_slots"
    proxy.arm(commit_after(insert) if how == "after" else starts(insert), how)
    assert store.schedule.claim("tenant-1", "remind", NOW, "host-1", NOW, lease_seconds=600)
    assert len(proxy.fired) == 1
    assert rows(postgres_url, "SELECT owner, state FROM schedule_slots") == [("host-1", "running")]


# ---------------------------------------------------------------------- what is not retried
def test_a_unit_is_not_run_again_once_one_of_its_transactions_committed(
    store: Store, proxy: DropProxy, postgres_url: str
) -> None:
    """Two transactions, the second dropped: running the unit again would apply the first
    twice, so the error is raised (retryable by whoever knows the unit) with the first applied
    once."""
    runs: list[int] = []

    def unit() -> None:
        runs.append(1)
        store.events.enqueue([new_event("INV-1")], NOW)
        store.events.enqueue([new_event("INV-2")], NOW)

    inserts: list[str] = []

    def second_insert(sql: str, since_begin: list[str]) -> bool:
        if sql.startswith("INSERT INTO webhook_events"):
            inserts.append(sql)
        return len(inserts) == 2

    proxy.arm(second_insert, "before")
    with pytest.raises(DatabaseError) as caught:
        store.db.retrying(unit)
    assert runs == [1]
    assert caught.value.retryable is True
    assert caught.value.kind == "unreachable"
    assert rows(postgres_url, "SELECT resource_id FROM webhook_events") == [("INV-1",)]


def test_a_lost_commit_the_server_cannot_confirm_is_reported_not_retried(
    store: Store, proxy: DropProxy, postgres_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The COMMIT reached the server, then the server stopped answering: the change may or may
    not be stored, so it is said so (URL masked) and never run again blindly."""
    monkeypatch.setattr(postgres_db, "VERIFY_SECONDS", 0.2)
    runs: list[int] = []

    def unit() -> int:
        runs.append(1)
        return store.events.enqueue([new_event()], NOW)

    def lost(sql: str, since_begin: list[str]) -> bool:
        if sql == "COMMIT" and any(s.startswith("INSERT INTO webhook_events") for s in since_begin):
            proxy.refuse_new()  # the server cannot be asked what became of it
            return True
        return False

    proxy.arm(lost, "after")
    with pytest.raises(DatabaseError) as caught:
        store.db.retrying(unit)
    assert runs == [1]
    assert caught.value.retryable is False
    assert caught.value.message == (
        f"the connection to {store.location} dropped while committing: the change may or may "
        "not have been stored; check the data it was writing before doing it again"
    )
    assert rows(postgres_url, "SELECT resource_id FROM webhook_events") == [("INV-1",)]
