"""A process that hammers one store through the real repositories (for the concurrency test).

``python -m tests.storage.hammer STORE ROLE SEED OPS``: ROLE is one of the processes that share a
store in production (``webhooks`` like ``serve``'s ingest, ``worker``, ``remind``, ``cli``); each
runs three threads, like the service's thread pool, doing a seeded mix of that role's reads and
writes. It prints one JSON line: how many operations ran and every error seen (none expected).
"""

from __future__ import annotations

import json
import random
import sys
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

from component.storage.events import NewEvent
from component.storage.outbox_reads import Item
from component.storage.store import Store

BASE = datetime(2026, 7, 1, 9, 0, tzinfo=UTC)
THREADS = 3


def _webhooks(store: Store, rng: random.Random, tag: str, i: int) -> None:
    event = NewEvent("t1", "INVOICE", f"{tag}-{i}", "UPDATE", "2026-07-01T09:00:00")
    store.events.enqueue([event], BASE + timedelta(seconds=i))
    if rng.random() < 0.5:
        store.events.counts()
    else:
        store.connections.names(family="xero")


def _worker(store: Store, rng: random.Random, tag: str, i: int) -> None:
    now = BASE + timedelta(seconds=i)
    for event in store.events.claim(tag, now, 30, 5):
        store.events.complete(event.id, tag, now)
    key = f"{tag}-m{i}"
    if store.outbox.claim(key, kind="alert", items=[Item("t1", key, "new")]).granted:
        store.outbox.mark_sending(key)
        store.outbox.mark_sent(key, f"wamid.{key}")
    store.events.next_due()


def _remind(store: Store, rng: random.Random, tag: str, i: int) -> None:
    run_id = f"{tag}-r{i}"
    store.runs.start(run_id, tenant_id="t1", job="reminders", trigger="cli", now=BASE)
    items = [Item("t1", f"inv-{rng.randrange(40)}", "overdue_7")]
    store.outbox.item_states(items)
    store.outbox.claim(f"{tag}-k{i}", kind="reminder", items=items, run_id=run_id)
    store.optouts.is_opted_out("t1", "c1", "+919820012345")
    store.runs.finish(run_id, state="ok", now=BASE + timedelta(seconds=1))


def _cli(store: Store, rng: random.Random, tag: str, i: int) -> None:
    choice = rng.randrange(4)
    if choice == 0:
        store.connections.put(f"{tag}-c{i % 5}", "xero_oauth", "xero", {"n": i})
    elif choice == 1:
        store.connections.rows()
    elif choice == 2:
        store.runs.list(limit=20)
    else:
        store.outbox.needs_review()
        store.activity.daily_sends(BASE - timedelta(days=1), BASE + timedelta(days=1))


ROLES = {"webhooks": _webhooks, "worker": _worker, "remind": _remind, "cli": _cli}


def main(path: str, role: str, seed: int, ops: int) -> None:
    store = Store.open(Path(path))
    errors: list[str] = []
    done = [0]

    def run(thread: int) -> None:
        rng = random.Random(seed * 100 + thread)
        tag = f"{role}{seed}.{thread}"
        for i in range(ops):
            try:
                ROLES[role](store, rng, tag, i)
                done[0] += 1
            except Exception as exc:  # every error is reported, none is expected
                errors.append(f"{type(exc).__name__}: {exc}")

    threads = [threading.Thread(target=run, args=(n,)) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    store.close()
    print(json.dumps({"role": role, "ops": done[0], "errors": errors[:20]}))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
