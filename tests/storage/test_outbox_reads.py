"""The outbox's reads: what it holds for an item, one item or a contact's subjects at once."""

from __future__ import annotations

from component.storage.outbox_reads import Item
from component.storage.store import Store
from tests.storage import postgres_backends

# Every test here runs on SQLite and on PostgreSQL.
settings = postgres_backends.settings
store_backend = postgres_backends.store_backend
store_target = postgres_backends.store_target


store = postgres_backends.opened_store


def test_subject_states_answer_for_every_item_as_item_states_does(store: Store) -> None:
    """A contact's plan reads what the outbox holds for all its invoices at once."""
    outbox = store.outbox
    sent, failed, retried, open_ = (Item("t1", f"inv-{n}", "overdue_7") for n in "wxyz")
    other_stage = Item("t1", "inv-w", "overdue_14")
    stopped = Item("t1", "inv-s", "overdue_7")
    new = Item("t1", "inv-n", "overdue_7")
    outbox.claim("m-sent", kind="reminder", items=[sent])
    outbox.mark_sending("m-sent")
    outbox.mark_sent("m-sent", "wamid.1")
    outbox.claim("m-failed", kind="reminder", items=[failed])
    outbox.mark_failed("m-failed", "131026", "not on WhatsApp", retry=False)
    outbox.claim("m-retry", kind="reminder", items=[retried])
    outbox.mark_failed("m-retry", "131000", "try later", retry=True)
    outbox.claim("m-open", kind="reminder", items=[open_])
    outbox.claim("m-stop", kind="reminder", items=[stopped])
    outbox.stop_subject("t1", "inv-s", "paid")
    items = [sent, other_stage, failed, retried, open_, stopped, new]

    states = outbox.subject_states("t1", [i.subject_id for i in items])

    one_by_one = outbox.item_states(items)
    assert {i: states.reason(i) for i in items if states.reason(i) is not None} == one_by_one
    assert one_by_one == {
        sent: "already sent",
        failed: "failed permanently",
        retried: "open",
        open_: "open",
        stopped: "stopped: paid",
    }
    assert outbox.subject_states("t2", ["inv-w"]).reason(Item("t2", "inv-w", "overdue_7")) is None
