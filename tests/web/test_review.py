"""``/review``: settle unknown outcomes with a reason, parked events, configuration problems."""

from __future__ import annotations

from typing import Any

import pytest

from component.storage.listings import PER_PAGE
from component.storage.outbox_reads import Item
from component.storage.replies import Reply
from tests.web.conftest import Web, park_event, unknown_reminder

pytestmark = pytest.mark.anyio


async def test_settle_as_sent_records_who_and_why_and_never_resends(connected: Web) -> None:
    unknown_reminder(connected, "rem-1")
    page = (await connected.client.get("/review")).text
    assert "the connection broke after the request was sent" in page
    settled = await connected.form_post(
        "/review/settle",
        {"key": "rem-1", "verdict": "sent", "reason": "the chat shows it"},
        page="/review",
    )
    assert settled.status_code == 200
    assert "Settled as sent" in settled.text
    message = connected.runtime.store.outbox.get("rem-1")
    assert message is not None
    assert message.state == "sent"
    assert message.error_message == "settled as sent by owner: the chat shows it"
    tenant = connected.sandbox.state.xero.demo_tenant_id
    blocked = connected.runtime.store.outbox.item_states([Item(tenant, "inv-1", "overdue_7")])
    assert next(iter(blocked.values())) == "already sent"


async def test_settle_as_not_sent_lets_a_later_run_send_it(connected: Web) -> None:
    unknown_reminder(connected, "rem-2", "inv-2")
    await connected.form_post(
        "/review/settle",
        {"key": "rem-2", "verdict": "not_sent", "reason": "nothing in the chat"},
        page="/review",
    )
    message = connected.runtime.store.outbox.get("rem-2")
    assert message is not None
    assert (message.state, message.retry) == ("failed", True)
    tenant = connected.sandbox.state.xero.demo_tenant_id
    states = connected.runtime.store.outbox.item_states([Item(tenant, "inv-2", "overdue_7")])
    assert next(iter(states.values())) == "open"
    again = await connected.form_post(
        "/review/settle", {"key": "rem-2", "verdict": "sent", "reason": "x"}, page="/review"
    )
    assert again.status_code == 409


async def test_settling_needs_a_verdict_and_a_reason(connected: Web) -> None:
    unknown_reminder(connected, "rem-3")
    response = await connected.form_post("/review/settle", {"key": "rem-3"}, page="/review")
    assert response.status_code == 400
    assert 'id="verdict-rem-3-error"' in response.text
    assert 'id="reason-rem-3-error"' in response.text
    message = connected.runtime.store.outbox.get("rem-3")
    assert message is not None
    assert message.state == "unknown"


async def test_parked_events_and_configuration_problems_are_listed(signed_in: Web) -> None:
    page = (await signed_in.client.get("/review")).text
    assert "No WhatsApp number is connected" in page
    assert "No Xero organisation is connected." in page
    await signed_in.connect_demo()
    event_id = park_event(signed_in, "inv-9", "boom")
    page = (await signed_in.client.get("/review")).text
    assert "No WhatsApp number is connected" not in page
    assert f"Replay event {event_id}" in page


def customer_reply(
    web: Web,
    wamid: str,
    *,
    tenant_id: str | None = None,
    text: str = "paid yesterday",
    **extra: Any,
) -> Reply:
    """A customer's message as ``component.replies.record`` stores it."""
    values: dict[str, Any] = {
        "wamid": wamid,
        "tenant_id": web.sandbox.state.xero.demo_tenant_id if tenant_id is None else tenant_id,
        "contact_id": "contact-1",
        "contact_name": "Asha Textiles",
        "phone": "+919820012345",
        "user_id": None,
        "username": None,
        "kind": "text",
        "intent": "text",
        "text": text,
        "payload": None,
        "context_wamid": None,
        "invoice_ids": ("inv-1",),
        "reminder_key": "rem-1",
        "outcome": "replied: reminders paused until 2026-07-21",
        "received_at": "2026-07-14T09:30:00Z",
        "owner_told_at": "2026-07-14T09:30:05Z",
        "reviewed": False,
    }
    values.update(extra)
    reply = Reply(**values)
    assert web.runtime.store.replies.record(reply)
    return reply


async def test_customer_replies_are_listed_and_marked_reviewed(connected: Web) -> None:
    customer_reply(connected, "wamid.ours", text="<b>paid</b> yesterday, see receipt")
    customer_reply(
        connected,
        "wamid.nobody",
        tenant_id="",
        contact_id=None,
        contact_name=None,
        invoice_ids=(),
        phone="+61412345678",
        outcome="no open reminder",
    )
    customer_reply(connected, "wamid.other", tenant_id="other-tenant", contact_name="Other Co")
    page = (await connected.client.get("/review")).text
    replies = page.split('id="replies"')[1].split("</section>")[0]
    assert "Asha Textiles</a></strong>\n  wrote:" in replies
    assert "&lt;b&gt;paid&lt;/b&gt; yesterday, see receipt" in replies  # shown as text
    assert "replied: reminders paused until 2026-07-21" in replies
    assert "you were told on WhatsApp" in replies
    assert "Matched to no organisation" in replies  # the unmatched number is shown too
    assert "+61412345678" in replies
    assert "Other Co" not in replies  # another organisation's reply is not
    done = await connected.form_post("/review/reply", {"wamid": "wamid.ours"}, page="/review")
    assert done.status_code == 200
    assert "The message from Asha Textiles is marked reviewed." in done.text
    assert "&lt;b&gt;paid&lt;/b&gt;" not in done.text
    stored = connected.runtime.store.replies.get("wamid.ours")
    assert stored is not None
    assert stored.reviewed
    again = await connected.form_post("/review/reply", {"wamid": "wamid.ours"}, page="/review")
    assert "already marked reviewed" in again.text
    left = {r.wamid for r in connected.runtime.store.replies.to_review()}
    assert left == {"wamid.other", "wamid.nobody"}


async def test_a_reply_of_another_organisation_cannot_be_marked_from_this_page(
    connected: Web,
) -> None:
    customer_reply(connected, "wamid.other", tenant_id="other-tenant")
    refused = await connected.form_post("/review/reply", {"wamid": "wamid.other"}, page="/review")
    assert refused.status_code == 404
    assert 'id="reply-error"' in refused.text
    missing = await connected.form_post("/review/reply", {"wamid": "wamid.none"}, page="/review")
    assert missing.status_code == 404
    stored = connected.runtime.store.replies.get("wamid.other")
    assert stored is not None
    assert not stored.reviewed


async def test_replies_are_paged(connected: Web) -> None:
    for n in range(PER_PAGE + 2):
        customer_reply(connected, f"wamid.{n:03d}", received_at=f"2026-07-14T09:{n:02d}:00Z")
    first = (await connected.client.get("/review")).text
    assert "Page 1 of 2 (27 in all)" in first
    assert first.count("Mark reviewed</button>") == PER_PAGE
    second = (await connected.client.get("/review", params={"replies_page": "2"})).text
    assert second.count("Mark reviewed</button>") == 2
    assert 'value="wamid.000"' in second  # the oldest come last
