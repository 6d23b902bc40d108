"""The outbox: at most once per (tenant, subject, stage), none missed, unknown outcomes held."""

from __future__ import annotations

from pathlib import Path

import pytest

from component.config import Settings
from component.storage.outbox_reads import Item
from component.storage.store import Store
from tests.storage import postgres_backends

# Every test here runs on SQLite and on PostgreSQL.
settings = postgres_backends.settings
store_backend = postgres_backends.store_backend
store_target = postgres_backends.store_target


store = postgres_backends.opened_store


A = Item("t1", "inv-a", "overdue_7")
B = Item("t1", "inv-b", "overdue_7")
C = Item("t1", "inv-c", "overdue_7")


def test_claim_send_record_then_never_again(store: Store) -> None:
    outbox = store.outbox
    assert outbox.claim("m1", kind="reminder", items=[A, B], recipient="+919820012345").granted
    outbox.mark_sending("m1")
    outbox.mark_sent("m1", "wamid.1")
    again = outbox.claim("m2", kind="reminder", items=[A])
    assert not again.granted
    assert again.blocked == {A: "already sent"}
    assert outbox.get("m1").state == "sent"  # type: ignore[union-attr]
    assert outbox.items_of("m1") == [A, B]


def test_crash_after_intent_the_rerun_sends_it(store: Store, store_target: Path | Settings) -> None:
    store.outbox.claim("m1", kind="reminder", items=[A])
    store.close()  # the process dies before mark_sending
    reopened = Store.open(store_target)
    assert reopened.outbox.item_states([A]) == {A: "open"}
    assert reopened.outbox.claim("m1", kind="reminder", items=[A]).granted
    reopened.outbox.mark_sending("m1")
    reopened.outbox.mark_sent("m1", "wamid.9")
    assert reopened.outbox.get("m1").attempts == 1  # type: ignore[union-attr]
    reopened.close()


def test_crash_after_send_before_record_is_held_for_review(
    store: Store, store_target: Path | Settings
) -> None:
    store.outbox.claim("m1", kind="reminder", items=[A])
    store.outbox.mark_sending("m1")
    store.close()  # the process dies while the HTTP call is in flight
    reopened = Store.open(store_target)
    claim = reopened.outbox.claim("m1", kind="reminder", items=[A])
    assert not claim.granted
    assert claim.blocked == {A: "outcome unknown (needs review)"}
    assert [m.key for m in reopened.outbox.needs_review()] == ["m1"]
    # the status webhook (callback data = key) later proves it was sent
    assert reopened.outbox.resolve("m1", "wamid.late")
    assert reopened.outbox.needs_review() == []
    assert reopened.outbox.get("m1").message_id == "wamid.late"  # type: ignore[union-attr]
    reopened.close()


def test_a_send_another_writer_confirmed_first_is_recorded_without_error(store: Store) -> None:
    """Between Meta's answer and the sender's record, a status webhook or another run's
    reconcile may mark the message sent: the sender's record then changes nothing (it raised,
    and the whole run crashed after its message went out)."""
    outbox = store.outbox
    outbox.claim("m1", kind="reminder", items=[A])
    outbox.mark_sending("m1")
    assert outbox.resolve("m1", "wamid.1")  # the other writer
    outbox.mark_sent("m1", "wamid.1")
    sent = outbox.get("m1")
    assert sent is not None
    assert (sent.state, sent.message_id) == ("sent", "wamid.1")
    assert outbox.needs_review() == []


def test_a_send_a_person_settled_first_gets_its_message_id(store: Store) -> None:
    outbox = store.outbox
    outbox.claim("m1", kind="reminder", items=[A])
    outbox.mark_sending("m1")
    assert outbox.settle("m1", sent=True, reason="seen in the chat", by="ops")
    outbox.mark_sent("m1", "wamid.1")
    settled = outbox.get("m1")
    assert settled is not None
    assert (settled.state, settled.message_id) == ("sent", "wamid.1")
    assert settled.error_message == "settled as sent by ops: seen in the chat"


def test_a_lost_answer_whose_status_came_first_stays_sent(store: Store) -> None:
    outbox = store.outbox
    outbox.claim("m1", kind="reminder", items=[A])
    outbox.mark_sending("m1")
    assert outbox.resolve("m1", "wamid.1")  # Meta's status webhook, before the timeout
    assert outbox.mark_unknown("m1", "no answer") is False
    assert outbox.get("m1").state == "sent"  # type: ignore[union-attr]
    assert outbox.needs_review() == []
    outbox.claim("m2", kind="reminder", items=[B])
    outbox.mark_sending("m2")
    assert outbox.mark_unknown("m2", "no answer") is True
    assert [m.key for m in outbox.needs_review()] == ["m2"]


def test_a_combined_message_replanned_after_a_crash_moves_its_items(store: Store) -> None:
    outbox = store.outbox
    outbox.claim("contact-1/v1", kind="reminder", items=[A, B])
    # the next run also finds C overdue for the same contact: one message for all three
    assert outbox.claim("contact-1/v2", kind="reminder", items=[A, B, C]).granted
    assert outbox.get("contact-1/v1") is None
    assert outbox.items_of("contact-1/v2") == [A, B, C]


def test_claim_is_all_or_nothing(store: Store) -> None:
    outbox = store.outbox
    outbox.claim("m1", kind="reminder", items=[A])
    outbox.mark_sending("m1")
    outbox.mark_sent("m1", "wamid.1")
    claim = outbox.claim("m2", kind="reminder", items=[A, B])
    assert not claim.granted
    assert outbox.item_states([B]) == {}  # B was not claimed by the refused call


def test_failed_retryable_may_be_claimed_again_permanent_may_not(store: Store) -> None:
    outbox = store.outbox
    outbox.claim("m1", kind="reminder", items=[A])
    outbox.mark_sending("m1")
    outbox.mark_failed("m1", "132001", "template not approved", retry=True)
    assert outbox.claim("m1", kind="reminder", items=[A]).granted
    outbox.mark_sending("m1")
    outbox.mark_failed("m1", "131026", "not on WhatsApp", retry=False)
    assert outbox.claim("m1", kind="reminder", items=[A]).blocked == {A: "failed permanently"}
    assert outbox.get("m1").attempts == 2  # type: ignore[union-attr]


def test_a_stopped_subject_gets_nothing_more(store: Store) -> None:
    outbox = store.outbox
    outbox.stop_subject("t1", "inv-a", "paid")
    assert outbox.claim("m1", kind="reminder", items=[A]).blocked == {A: "stopped: paid"}
    outbox.resume_subject("t1", "inv-a")
    assert outbox.claim("m1", kind="reminder", items=[A]).granted


def test_transitions_refuse_impossible_moves(store: Store) -> None:
    outbox = store.outbox
    outbox.claim("m1", kind="reminder", items=[A])
    with pytest.raises(ValueError, match="is intent, expected one of"):
        outbox.mark_sent("m1", "wamid.1")
    with pytest.raises(ValueError, match="is intent, expected one of"):
        outbox.mark_unknown("m1", "no answer")
    outbox.release("m1")
    assert outbox.item_states([A]) == {}


@postgres_backends.sqlite_only("statements are counted with SQLite's trace callback")
def test_a_claim_reads_its_items_in_two_statements_however_many_they_are(store: Store) -> None:
    """Two statements per item (stop, then item and message) and a third before each insert
    were ~20 of the ~39 statements per reminder (3.4 invoices per message in the bench)."""
    seen: list[str] = []

    def claim(key: str, items: list[Item]) -> int:
        with store.transaction() as conn:
            conn.set_trace_callback(seen.append)  # type: ignore[attr-defined]
            try:
                store.outbox.claim(key, kind="reminder", items=items)
            finally:
                conn.set_trace_callback(None)  # type: ignore[attr-defined]
        reads = [s for s in seen if s.lstrip().upper().startswith("SELECT")]
        seen.clear()
        return len(reads)

    one = claim("m1", [A])
    many = claim("m2", [Item("t1", f"inv-{n}", "overdue_7") for n in range(8)])
    assert one == many == 3  # stops, items and messages, the message's own row


def test_start_sending_moves_an_intent_and_counts_the_attempt(store: Store) -> None:
    outbox = store.outbox
    outbox.claim("m1", kind="reminder", items=[A, B])

    assert outbox.start_sending("m1") is None

    message = outbox.get("m1")
    assert (message.state, message.attempts) == ("sending", 1)  # type: ignore[union-attr]


def test_start_sending_says_why_a_message_may_not_go(store: Store) -> None:
    """Already on its way (another process started it), released, or a subject stopped since
    the claim: not sent, and a stopped message's items are free again (the stop keeps them)."""
    outbox = store.outbox
    outbox.claim("m1", kind="reminder", items=[A])
    outbox.mark_sending("m1")
    outbox.claim("m2", kind="reminder", items=[B])
    outbox.release("m2")
    outbox.claim("m3", kind="reminder", items=[C, Item("t1", "inv-d", "overdue_7")])
    outbox.stop_subject("t1", "inv-c", "paid")

    assert outbox.start_sending("m1") == "message already sending"
    assert outbox.start_sending("m2") == "message already released"
    assert outbox.start_sending("m3") == "stopped: paid"

    assert outbox.get("m3") is None
    assert outbox.item_states([C, Item("t1", "inv-d", "overdue_7")]) == {C: "stopped: paid"}
    assert outbox.get("m1").attempts == 1  # type: ignore[union-attr]


def test_a_stop_of_another_tenant_or_subject_does_not_hold_a_message(store: Store) -> None:
    outbox = store.outbox
    outbox.stop_subject("t2", "inv-a", "paid")  # same invoice id, another organisation
    outbox.stop_subject("t1", "inv-z", "paid")
    outbox.claim("m1", kind="reminder", items=[A])

    assert outbox.start_sending("m1") is None


@postgres_backends.sqlite_only("statements are counted with SQLite's trace callback")
def test_start_sending_is_one_statement_when_the_message_may_go(store: Store) -> None:
    """The usual case runs inside the group commit's writer at every send: one UPDATE, no
    reads (three statements before)."""
    store.outbox.claim("m1", kind="reminder", items=[A, B])
    seen: list[str] = []
    with store.transaction() as conn:
        conn.set_trace_callback(seen.append)  # type: ignore[attr-defined]
        try:
            assert store.outbox.start_sending("m1") is None
        finally:
            conn.set_trace_callback(None)  # type: ignore[attr-defined]

    assert [s.split()[0] for s in seen] == ["UPDATE"]
