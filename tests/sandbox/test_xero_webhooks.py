"""The Xero webhook sender: signed metadata-only events, retries, and Intent to Receive."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from starlette.requests import Request
from starlette.responses import Response

from component.clock import FakeClock
from component.sandbox.state import SandboxState
from tests.sandbox.conftest import RECEIVER, XeroReceiver

pytestmark = pytest.mark.anyio
API = "/api.xro/2.0"
LINE = [{"Description": "Work", "UnitAmount": 100}]


def events(receiver: XeroReceiver) -> list[dict[str, Any]]:
    return [e for payload in receiver.received for e in payload["events"]]


async def test_invoice_create_posts_signed_metadata_only_payload(
    client: httpx.AsyncClient, h: dict[str, str], sandbox: SandboxState, receiver: XeroReceiver
) -> None:
    response = await client.put(
        f"{API}/Invoices",
        json={
            "Invoices": [{"Type": "ACCREC", "Contact": {"Name": "Brand New"}, "LineItems": LINE}]
        },
        headers=h,
    )
    invoice = response.json()["Invoices"][0]
    assert receiver.received == []  # delivered later, never inside the API call
    attempts = await sandbox.deliverer.drain()
    assert [a.status_code for a in attempts] == [200]
    (payload,) = receiver.received
    assert set(payload) == {"events", "firstEventSequence", "lastEventSequence", "entropy"}
    assert payload["lastEventSequence"] - payload["firstEventSequence"] == 1
    contact_event, invoice_event = payload["events"]
    assert (contact_event["eventCategory"], contact_event["eventType"]) == ("CONTACT", "CREATE")
    assert invoice_event == {
        "resourceUrl": f"http://sandbox.invalid/api.xro/2.0/Invoices/{invoice['InvoiceID']}",
        "resourceId": invoice["InvoiceID"],
        "eventDateUtc": "2026-07-14T09:30:00.000",
        "eventType": "CREATE",
        "eventCategory": "INVOICE",
        "tenantId": sandbox.xero.demo_tenant_id,
        "tenantType": "ORGANISATION",
    }


async def test_updates_and_payments_send_update_events(
    client: httpx.AsyncClient, h: dict[str, str], sandbox: SandboxState, receiver: XeroReceiver
) -> None:
    invoice = (
        await client.put(
            f"{API}/Invoices",
            json={
                "Invoices": [
                    {
                        "Type": "ACCREC",
                        "Contact": {"Name": "Payer"},
                        "Status": "AUTHORISED",
                        "DueDate": "2026-08-01",
                        "LineItems": LINE,
                    }
                ]
            },
            headers=h,
        )
    ).json()["Invoices"][0]
    await client.put(
        f"{API}/Payments",
        json={
            "Payments": [
                {
                    "Invoice": {"InvoiceID": invoice["InvoiceID"]},
                    "Account": {"Code": "090"},
                    "Amount": 10,
                }
            ]
        },
        headers=h,
    )
    contact = invoice["Contact"]["ContactID"]
    await client.post(
        f"{API}/Contacts/{contact}", json={"Contacts": [{"EmailAddress": "p@x.io"}]}, headers=h
    )
    await sandbox.deliverer.drain()
    kinds = [(e["eventCategory"], e["eventType"]) for e in events(receiver)]
    assert kinds == [
        ("CONTACT", "CREATE"),
        ("INVOICE", "CREATE"),
        ("INVOICE", "UPDATE"),
        ("CONTACT", "UPDATE"),
    ]


async def test_control_call_changes_fire_webhooks(
    client: httpx.AsyncClient, sandbox: SandboxState, receiver: XeroReceiver
) -> None:
    org = sandbox.xero.orgs[sandbox.xero.demo_tenant_id]
    invoice = next(i for i in org.invoices.values() if i.status == "DRAFT")
    response = await client.post(
        "/_sandbox/xero/invoices",
        json={
            "Invoices": [
                {"InvoiceID": invoice.invoice_id, "Status": "AUTHORISED", "DueDate": "2026-08-01"}
            ]
        },
    )
    assert response.status_code == 200
    assert response.json()["Invoices"][0]["Status"] == "AUTHORISED"
    await client.post("/_sandbox/webhooks/drain")
    assert [(e["resourceId"], e["eventType"]) for e in events(receiver)] == [
        (invoice.invoice_id, "UPDATE")
    ]


async def test_failed_deliveries_are_retried_with_backoff(
    client: httpx.AsyncClient,
    h: dict[str, str],
    sandbox: SandboxState,
    receiver: XeroReceiver,
    clock: FakeClock,
) -> None:
    receiver.fail_with = 503
    await client.put(f"{API}/Contacts", json={"Name": "Retry Me"}, headers=h)
    first = await sandbox.deliverer.drain()
    assert [a.status_code for a in first] == [503]
    assert first[0].next_attempt_at is not None
    assert await sandbox.deliverer.drain() == []  # not due yet
    receiver.fail_with = None
    clock.advance(3600)
    retried = await sandbox.deliverer.drain()
    assert [a.status_code for a in retried] == [200]
    assert retried[0].attempt == 2
    assert [e["eventCategory"] for e in events(receiver)] == ["CONTACT"]
    records = (await client.get("/_sandbox/webhooks/deliveries")).json()["deliveries"]
    assert [r["state"] for r in records] == ["pending", "delivered"]


@pytest.mark.parametrize(
    ("status", "body", "slow"),
    [(200, b"ok", 0.0), (202, b"", 0.0), (204, b"", 0.0), (200, b"", 6.0)],
    ids=["200 with a body", "202", "204", "200 after 6 s"],
)
async def test_only_an_empty_200_within_5_seconds_is_a_delivery(
    client: httpx.AsyncClient,
    h: dict[str, str],
    sandbox: SandboxState,
    receiver: XeroReceiver,
    clock: FakeClock,
    status: int,
    body: bytes,
    slow: float,
) -> None:
    """Issue 10 item 25: Xero counts only a 200 with an empty body within 5 s; anything else
    is retried like a failure."""
    receiver.fail_with = None if status == 200 else status
    receiver.answer_body, receiver.slow_seconds = body, slow
    await client.put(f"{API}/Contacts", json={"Name": "Strict"}, headers=h)
    first = await sandbox.deliverer.drain()
    assert [a.state for a in first] == ["pending"]
    assert first[0].status_code == status
    assert first[0].error is not None
    assert "not accepted" in first[0].error
    receiver.fail_with, receiver.answer_body, receiver.slow_seconds = None, b"", 0.0
    clock.advance(3600)
    assert [a.state for a in await sandbox.deliverer.drain()] == ["delivered"]


async def test_a_day_of_failures_disables_the_subscription_until_it_is_saved_again(
    client: httpx.AsyncClient,
    h: dict[str, str],
    sandbox: SandboxState,
    receiver: XeroReceiver,
    clock: FakeClock,
) -> None:
    """After 24 hours of failed deliveries Xero disables the webhook: the failing event and
    everything after it are not sent, until the URL is saved again (the portal's re-enable)."""
    receiver.fail_with = 500
    await client.put(f"{API}/Contacts", json={"Name": "Down All Day"}, headers=h)
    attempts = []
    for _ in range(60):
        attempts += await sandbox.deliverer.drain()
        clock.advance(3600)
    assert attempts[-1].state == "given_up"
    assert len(attempts) > 2
    assert (attempts[-1].finished_at - attempts[0].started_at).total_seconds() <= 86_400
    assert sandbox.xero.webhooks.disabled
    receiver.fail_with = None
    while_disabled = {"Contacts": [{"Name": "While Disabled"}]}
    assert (await client.post("/_sandbox/xero/contacts", json=while_disabled)).status_code == 200
    assert await sandbox.deliverer.drain() == []
    info = (await client.get("/_sandbox/")).json()
    assert info["xero"]["webhook_disabled"] is True
    saved = await client.put("/_sandbox/xero/webhook", json={"url": RECEIVER})
    assert saved.status_code == 200
    assert not sandbox.xero.webhooks.disabled
    back = {"Contacts": [{"Name": "Back Again"}]}
    assert (await client.post("/_sandbox/xero/contacts", json=back)).status_code == 200
    delivered = await sandbox.deliverer.drain()
    assert [a.state for a in delivered] == ["delivered"]
    assert [e["eventCategory"] for e in events(receiver)] == ["CONTACT"]


async def test_no_webhook_url_records_but_sends_nothing(
    client: httpx.AsyncClient, h: dict[str, str], sandbox: SandboxState, receiver: XeroReceiver
) -> None:
    sandbox.config.xero.webhook_url = None
    await client.put(f"{API}/Contacts", json={"Name": "Quiet"}, headers=h)
    assert await sandbox.deliverer.drain() == []
    assert len((await client.get("/_sandbox/xero/webhooks")).json()["payloads"]) == 1


async def test_intent_to_receive_passes_a_correct_receiver(
    client: httpx.AsyncClient, receiver: XeroReceiver
) -> None:
    report = (await client.post("/_sandbox/xero/intent-check", json={"url": RECEIVER})).json()
    assert report["passed"] is True
    assert sorted(a["signature"] for a in report["attempts"]) == [
        "correct",
        "correct",
        "incorrect",
        "incorrect",
    ]
    assert all(a["ok"] for a in report["attempts"])


class Careless:
    """A receiver that answers 200 to everything, with a body: Xero refuses to activate it."""

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        await Request(scope, receive).body()
        await Response(b"ok", 200)(scope, receive, send)


async def test_intent_to_receive_fails_a_careless_receiver(clock: FakeClock) -> None:
    from component.sandbox.app import create_app
    from component.sandbox.state import build_sandbox

    state = build_sandbox(clock=clock, webhook_transport=httpx.ASGITransport(app=Careless()))
    report = await state.xero.webhooks.intent_check(RECEIVER)
    assert report["passed"] is False
    bad = [a for a in report["attempts"] if a["signature"] == "incorrect"]
    assert all(a["status"] == 200 and not a["ok"] for a in bad)
    good = [a for a in report["attempts"] if a["signature"] == "correct"]
    assert all("EMPTY" in a["error"] for a in good)
    assert create_app(state) is not None


async def test_intent_check_defaults_to_the_configured_url(client: httpx.AsyncClient) -> None:
    response = await client.post("/_sandbox/xero/intent-check", json={})
    assert response.status_code == 200  # falls back to the configured webhook URL
    missing = await client.put("/_sandbox/xero/webhook", json={"url": None})
    assert missing.json() == {"url": None}
    assert (await client.post("/_sandbox/xero/intent-check", json={})).status_code == 400
