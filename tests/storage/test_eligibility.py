"""``store.eligibility``: each (organisation, invoice, stage) a run found due, counted once in any
period its first-to-last span meets (the dashboard's "eligible")."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from component.config import Settings
from component.storage.store import Store
from tests.storage import postgres_backends

# Every test here runs on SQLite and on PostgreSQL (tests/storage/postgres_backends.py).
settings = postgres_backends.settings
store_backend = postgres_backends.store_backend
store_target = postgres_backends.store_target

DAY1 = datetime(2026, 7, 1, 4, 30, tzinfo=UTC)


def test_an_invoice_found_due_by_many_runs_counts_once_per_stage(
    store_target: Path | Settings,
) -> None:
    store = Store.open(store_target)
    repo = store.eligibility
    for day in range(10):  # a withheld invoice, found due by every daily run
        repo.seen("org-a", [("INV-A", "overdue_7")], DAY1 + timedelta(days=day))
    repo.seen("org-a", [("inv-a", "overdue_7"), ("inv-b", "overdue_7")], DAY1)  # ids: any case
    repo.seen("org-a", [("inv-b", "overdue_14")], DAY1 + timedelta(days=7))  # its next stage
    repo.seen("org-b", [("inv-a", "overdue_7")], DAY1)  # another organisation's invoice
    repo.seen("org-a", [], DAY1)  # nothing due: nothing written
    month = (DAY1 - timedelta(days=1), DAY1 + timedelta(days=30))
    assert repo.count(*month, "org-a") == 3
    assert repo.count(*month) == 4
    assert repo.count(*month, "org-c") == 0
    # a period after inv-b's stages but within inv-a's span: only inv-a
    later = (DAY1 + timedelta(days=8), DAY1 + timedelta(days=9))
    assert repo.count(*later, "org-a") == 1
    # the period ends before the first run: nothing
    assert repo.count(DAY1 - timedelta(days=5), DAY1, "org-a") == 0
    store.close()
