"""Polling trigger state (component/storage/poll_state.py): one row per organisation and trigger,
kept across store reopenings, independent between organisations and triggers."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from component.config import Settings
from component.storage.poll_state import PollState
from component.storage.store import Store
from tests.storage import postgres_backends

# Every test here runs on SQLite and on PostgreSQL.
settings = postgres_backends.settings
store_backend = postgres_backends.store_backend
store_target = postgres_backends.store_target

AT = datetime(2026, 7, 14, 9, 30, tzinfo=UTC)


def test_state_is_kept_per_organisation_and_trigger_across_reopening(
    store_target: Path | Settings,
) -> None:
    store = Store.open(store_target)
    repo = store.poll_state
    assert repo.get("org-a", "newOrUpdatedInvoices") is None
    first = PollState("2026-07-14T09:30:00.000000Z", {"inv-1": "2026-07-14T09:29:00.000000Z"}, 1)
    repo.save("org-a", "newOrUpdatedInvoices", first, AT)
    repo.save("org-b", "newOrUpdatedInvoices", PollState("x", {}, 4), AT)
    repo.save("org-a", "newOrUpdatedInvoices", PollState(first.since, first.seen, 2), AT)
    store.close()
    store = Store.open(store_target)
    again = store.poll_state.get("org-a", "newOrUpdatedInvoices")
    assert again == PollState(first.since, first.seen, 2)
    assert store.poll_state.get("org-b", "newOrUpdatedInvoices") == PollState("x", {}, 4)
    assert store.poll_state.get("org-a", "newOrUpdatedContacts") is None
    store.poll_state.forget("org-a", "newOrUpdatedInvoices")
    assert store.poll_state.get("org-a", "newOrUpdatedInvoices") is None
    assert store.poll_state.get("org-b", "newOrUpdatedInvoices") is not None
    store.close()
