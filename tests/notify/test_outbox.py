"""The outbox protocol, written once: claim → (pacer) → sending → sent / failed / unknown."""

from __future__ import annotations

import httpx
import pytest
from pytest_httpx import HTTPXMock

from component.notify import outbox
from component.notify.outbox import Envelope, Leaving
from component.runtime import Runtime
from component.storage.group_commit import writes_for
from component.storage.outbox_reads import Item
from component.whatsapp import errors as wa
from component.whatsapp.client import WhatsAppClient
from tests.storage import postgres_backends
from tests.whatsapp.conftest import CUSTOMER, MESSAGES_URL, WAMID, accepted, make_session

# Every test here runs on SQLite and on PostgreSQL.
settings = postgres_backends.settings
store_backend = postgres_backends.store_backend

pytestmark = pytest.mark.anyio

ITEM = Item("t-1", "inv-1", "overdue_7")


def envelope(key: str = "rem-1") -> Envelope:
    return Envelope(
        key=key,
        kind="reminder",
        items=(ITEM,),
        contact_id="c-1",
        contact_name="Priya Textiles",
        recipient="+919820012345",
        invoices=({"id": "inv-1", "number": "INV-0001", "stage": "overdue_7"},),
    )


class Wire:
    """A send function that records whether its request left, answering as scripted."""

    def __init__(self, error: Exception | None = None) -> None:
        self.error, self.left = error, 0

    async def __call__(self, leaving: Leaving) -> str:
        await leaving()
        self.left += 1
        if self.error is not None:
            raise self.error
        return "wamid.1"


def meta(code: int) -> Exception:
    body = {"error": {"message": "refused", "type": "OAuthException", "code": code}}
    response = httpx.Response(400, json=body)
    return wa.error_for(response, wa.Subject("template 'x' (en) to +919820012345"))


async def test_a_claimed_message_is_sent_once(runtime: Runtime) -> None:
    assert (await outbox.claim(runtime, envelope())).granted
    wire = Wire()
    outcome = await outbox.deliver(runtime, "rem-1", wire)
    assert (outcome.state, outcome.message_id, wire.left) == ("sent", "wamid.1", 1)
    message = runtime.store.outbox.get("rem-1")
    assert message is not None
    assert (message.state, message.details["contact"]) == ("sent", "Priya Textiles")
    assert not (await outbox.claim(runtime, envelope("rem-2"))).granted


async def test_an_invoice_paid_while_the_message_waited_is_not_sent(runtime: Runtime) -> None:
    """Issue 10 item 13: the stop recorded after the claim wins over a send due after it."""
    assert (await outbox.claim(runtime, envelope())).granted
    runtime.store.outbox.stop_subject("t-1", "inv-1", "paid")  # the PAID webhook, meanwhile
    wire = Wire()
    outcome = await outbox.deliver(runtime, "rem-1", wire)
    assert (outcome.state, outcome.reason, wire.left) == ("cancelled", "stopped: paid", 0)
    assert runtime.store.outbox.get("rem-1") is None  # released: nothing was sent
    assert runtime.store.outbox.item_states([ITEM]) == {ITEM: "stopped: paid"}


async def test_a_message_another_process_is_sending_is_not_sent_twice(runtime: Runtime) -> None:
    assert (await outbox.claim(runtime, envelope())).granted
    assert (await outbox.claim(runtime, envelope())).granted  # another process: still an intent
    first, second = Wire(), Wire()

    async def first_send(leaving: Leaving) -> str:
        await leaving()  # the first process's request leaves ...
        outcome = await outbox.deliver(runtime, "rem-1", second)  # ... the second tries
        assert (outcome.state, outcome.reason) == ("cancelled", "message already sending")
        return await first(lambda: _noop())

    assert (await outbox.deliver(runtime, "rem-1", first_send)).sent
    assert (first.left, second.left) == (1, 0)


async def _noop() -> None:
    return None


@pytest.mark.parametrize(
    ("code", "kind", "retry"),
    [(131026, "undeliverable", False), (132001, "template", True), (131030, "recipient", True)],
)
async def test_refusals_are_sorted_once(
    runtime: Runtime, code: int, kind: str, retry: bool
) -> None:
    await outbox.claim(runtime, envelope())
    outcome = await outbox.deliver(runtime, "rem-1", Wire(meta(code)))
    assert outcome.state == "failed"
    assert outcome.refusal is not None
    assert (outcome.refusal.kind, outcome.refusal.code, outcome.refusal.retry) == (
        kind,
        str(code),
        retry,
    )
    message = runtime.store.outbox.get("rem-1")
    assert message is not None
    assert (message.state, message.retry, message.error_code) == ("failed", retry, str(code))


async def test_a_lost_answer_is_held_for_review(runtime: Runtime) -> None:
    await outbox.claim(runtime, envelope())
    lost = wa.outcome_unknown(wa.Subject("template"), "ReadTimeout after sending")
    outcome = await outbox.deliver(runtime, "rem-1", Wire(lost))
    assert outcome.state == "unknown"
    [held] = runtime.store.outbox.needs_review()
    assert (held.key, held.state) == ("rem-1", "unknown")


async def test_a_refusal_before_the_request_left_fails_the_intent(runtime: Runtime) -> None:
    await outbox.claim(runtime, envelope())

    async def no_connection(leaving: Leaving) -> str:
        raise meta(190)  # the token was refused before anything was sent

    outcome = await outbox.deliver(runtime, "rem-1", no_connection)
    assert outcome.refusal is not None
    assert (outcome.state, outcome.refusal.kind, outcome.refusal.retry) == (
        "failed",
        "sender",
        True,
    )
    assert runtime.store.outbox.item_states([ITEM]) == {ITEM: "open"}  # a later run may send it


# ---------------------------------------------------------------- the answer: one commit
# Issue 13 target 2: each send waited for the WhatsApp client's record of Meta's answer and then
# for the outbox's "sent" mark, two commits in a row; they are one write of the group commit now.


def whatsapp_send(runtime: Runtime) -> outbox.Send:
    """A reminder sent by the real WhatsApp client (Meta answered by pytest-httpx)."""
    client = WhatsAppClient(runtime, make_session())

    async def send(leaving: Leaving) -> str:
        result = await client.send_template(
            CUSTOMER,
            "payment_reminder",
            "en",
            [],
            callback_data="rem-1",
            on_leaving=leaving,
            on_accepted=leaving.accepted,
        )
        return result.message_id

    return send


async def test_a_whatsapp_send_commits_its_answer_once(
    runtime: Runtime, httpx_mock: HTTPXMock
) -> None:
    """Claim, "sending", then the record and the "sent" mark together: three writes a message
    (four before, each awaited in turn by the send)."""
    httpx_mock.add_response(method="POST", url=MESSAGES_URL, json=accepted())
    writes = writes_for(runtime)
    assert (await outbox.claim(runtime, envelope())).granted
    before = writes.writes
    outcome = await outbox.deliver(runtime, "rem-1", whatsapp_send(runtime))
    assert (outcome.state, outcome.message_id) == ("sent", WAMID)
    assert writes.writes - before == 2  # "sending", then the answer
    message = runtime.store.outbox.get("rem-1")
    assert message is not None
    assert (message.state, message.message_id) == ("sent", WAMID)
    [recorded] = runtime.store.messages.sent_with_callback("rem-1")
    assert recorded.wamid == WAMID


async def test_a_sent_mark_that_fails_takes_the_record_with_it(
    runtime: Runtime, httpx_mock: HTTPXMock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The record and the mark commit together or not at all: a failing mark (as a kill before
    the commit) leaves the message "sending" (held for review, never resent) and no record."""
    httpx_mock.add_response(method="POST", url=MESSAGES_URL, json=accepted())
    store_outbox = runtime.store.outbox

    def broken(key: str, message_id: str) -> None:
        raise RuntimeError("the disk is gone")

    monkeypatch.setattr(store_outbox, "mark_sent", broken)
    assert (await outbox.claim(runtime, envelope())).granted
    with pytest.raises(RuntimeError, match="the disk is gone"):
        await outbox.deliver(runtime, "rem-1", whatsapp_send(runtime))
    [held] = store_outbox.needs_review()
    assert (held.key, held.state) == ("rem-1", "sending")
    assert runtime.store.messages.sent_with_callback("rem-1") == []


async def test_a_record_that_fails_does_not_undo_the_sent_mark(
    runtime: Runtime, httpx_mock: HTTPXMock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The client's record is best-effort: undone alone, the message still counts as sent."""
    httpx_mock.add_response(method="POST", url=MESSAGES_URL, json=accepted())
    messages = runtime.store.messages

    def broken(*args: object, **kwargs: object) -> None:
        with runtime.store.transaction() as conn:  # half done, then it fails
            conn.execute(
                "INSERT INTO whatsapp_messages (wamid, recipient, kind, sent_at) "
                "VALUES ('wamid.half', '+1', 'template', '2026-01-01T00:00:00+00:00')"
            )
            raise RuntimeError("record refused")

    monkeypatch.setattr(messages, "record_sent", broken)
    assert (await outbox.claim(runtime, envelope())).granted
    outcome = await outbox.deliver(runtime, "rem-1", whatsapp_send(runtime))
    assert outcome.state == "sent"
    message = runtime.store.outbox.get("rem-1")
    assert message is not None
    assert message.state == "sent"
    assert messages.sent("wamid.half") is None  # the failed record was undone, alone
