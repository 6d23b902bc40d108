"""``/review``: settle unknown outcomes with a reason, parked events, configuration problems."""

from __future__ import annotations

import pytest

from component.storage.outbox import Item
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
