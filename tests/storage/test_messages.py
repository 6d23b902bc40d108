"""The WhatsApp message store: sends we made, statuses Meta reported, duplicates recognised."""

from __future__ import annotations

from datetime import UTC, datetime

from component.storage.store import Store
from tests.storage import postgres_backends

# Every test here runs on SQLite and on PostgreSQL.
settings = postgres_backends.settings
store_backend = postgres_backends.store_backend
store_target = postgres_backends.store_target

WAMID = "wamid.HBgMOTE5ODIwMDEyMzQ1FQIAERgSQUJDREVGMDEyMzQ1Njc4OQA="


store = postgres_backends.opened_store


def test_a_status_is_recorded_once_and_duplicates_are_reported(store: Store) -> None:
    errors = [{"code": 131026, "title": "Message undeliverable"}]
    first = store.messages.record_status(
        WAMID, "failed", "1783416600", "919820012345", errors, "r:1"
    )
    again = store.messages.record_status(
        WAMID, "failed", "1783416600", "919820012345", errors, "r:1"
    )

    assert (first, again) == (True, False)
    [status] = store.messages.statuses(WAMID)
    assert status.status == "failed"
    assert status.timestamp == "2026-07-07T09:30:00+00:00"
    assert status.recipient == "919820012345"
    assert status.errors == errors
    assert status.callback_data == "r:1"


def test_latest_is_the_most_advanced_status_whatever_arrived_last(store: Store) -> None:
    store.messages.record_status(WAMID, "read", 1783416660)
    store.messages.record_status(WAMID, "sent", 1783416600)
    store.messages.record_status(WAMID, "delivered", 1783416660)

    assert [s.status for s in store.messages.statuses(WAMID)] == ["sent", "delivered", "read"]
    latest = store.messages.latest(WAMID)
    assert latest is not None
    assert latest.status == "read"


def test_failed_outranks_an_earlier_sent(store: Store) -> None:
    store.messages.record_status(WAMID, "sent", datetime(2026, 7, 7, 9, 30, tzinfo=UTC))
    store.messages.record_status(WAMID, "failed", datetime(2026, 7, 7, 9, 30, tzinfo=UTC))

    latest = store.messages.latest(WAMID)
    assert latest is not None
    assert latest.status == "failed"


def test_unknown_message_has_no_statuses(store: Store) -> None:
    assert store.messages.statuses("wamid.unknown") == []
    assert store.messages.latest("wamid.unknown") is None
    assert store.messages.sent("wamid.unknown") is None


def test_sent_messages_are_found_by_id_and_by_callback_data(store: Store) -> None:
    at = datetime(2026, 7, 14, 9, 30, tzinfo=UTC)
    store.messages.record_sent(
        WAMID,
        "+919820012345",
        template="payment_reminder",
        language="en",
        callback_data="reminder:INV-0142:overdue_7",
        sent_at=at,
    )
    store.messages.record_sent(WAMID, "+919820012345", kind="text", sent_at=at)  # ignored

    sent = store.messages.sent(WAMID)
    assert sent is not None
    assert sent.to_json() == {
        "to": "+919820012345",
        "type": "template",
        "sentAt": "2026-07-14T09:30:00+00:00",
        "template": "payment_reminder",
        "language": "en",
        "callbackData": "reminder:INV-0142:overdue_7",
    }
    assert store.messages.sent_with_callback("reminder:INV-0142:overdue_7") == [sent]


def test_status_json_leaves_out_what_is_unknown(store: Store) -> None:
    store.messages.record_status(WAMID, "delivered", "2026-07-07T09:31:00Z", "919820012345")

    [status] = store.messages.statuses(WAMID)
    assert status.to_json() == {
        "status": "delivered",
        "timestamp": "2026-07-07T09:31:00+00:00",
        "recipientId": "919820012345",
    }
