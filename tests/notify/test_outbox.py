"""The outbox protocol, written once: claim → (pacer) → sending → sent / failed / unknown."""

from __future__ import annotations

import httpx
import pytest

from component.notify import outbox
from component.notify.outbox import Envelope, Leaving
from component.runtime import Runtime
from component.storage.outbox import Item
from component.whatsapp import errors as wa
from tests.storage import postgres_backends

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
