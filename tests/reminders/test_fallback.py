"""WhatsApp's refusals: 131026 falls back to Xero's e-mail, 131056 is retried after a pause,
132001 is one configuration error that stops the sends it affects."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from component import sessions
from component.notify.fallback import on_undeliverable
from component.reminders import plan as p
from component.runtime import Runtime
from component.whatsapp.client import WhatsAppClient
from tests.reminders.conftest import TODAY, World, make_policy

EMAIL = "POST /api.xro/2.0/Invoices/{InvoiceID}/Email"
NOT_ON_WHATSAPP = "99999 00000"  # the sandbox's number that is not on WhatsApp


def emails(world: World) -> int:
    return world.sandbox.state.calls.calls[EMAIL]


async def unreachable_customer(world: World) -> str:
    contact = await world.customer(
        "Ghost Traders", NOT_ON_WHATSAPP, EmailAddress="ap@ghost.example"
    )
    return await world.invoice(contact, "7000", TODAY - timedelta(days=7))


class TestUndeliverableAtOnce:
    @pytest.fixture
    def wa_config(self) -> dict[str, Any]:
        return {"undeliverable_failure": "sync"}

    @pytest.mark.anyio
    async def test_131026_sends_xero_s_invoice_email_instead_once(self, world: World) -> None:
        await unreachable_customer(world)
        report = await world.run()
        assert report.sent == 0
        assert report.failed == {"131026": 1}
        assert report.emails == 1
        assert emails(world) == 1

        again = await world.run()
        assert again.skipped == {p.FAILED_BEFORE: 1}
        assert (again.emails, emails(world)) == (0, 1)

    @pytest.mark.anyio
    async def test_without_the_fallback_nothing_is_emailed(self, world: World) -> None:
        await unreachable_customer(world)
        report = await world.run(make_policy(emailFallback={"enabled": False}))
        assert report.failed == {"131026": 1}
        assert emails(world) == 0


@pytest.mark.anyio
async def test_131026_by_status_webhook_emails_once(world: World) -> None:
    await unreachable_customer(world)
    report = await world.run()
    assert report.sent == 1  # Meta accepted it; the failure comes later by webhook
    [message] = world.messages()
    key = message["biz_opaque_callback_data"]

    assert await on_undeliverable(world.runtime, world.xero, key) == 1
    assert await on_undeliverable(world.runtime, world.xero, key) == 0  # a duplicate webhook
    assert emails(world) == 1
    assert await on_undeliverable(world.runtime, world.xero, "not-a-reminder") == 0


@pytest.mark.anyio
async def test_131056_pair_rate_is_waited_out_for_that_recipient_only(world: World) -> None:
    priya = await world.customer("Priya Textiles", "98200 12345")
    await world.invoice(priya, "48500", TODAY - timedelta(days=7))
    other = await world.customer("Other Co", "98200 54321")
    await world.invoice(other, "9000", TODAY - timedelta(days=7))
    # another process just messaged Priya: her pair-rate slot is taken for ~6 seconds
    elsewhere = Runtime(
        settings=world.sandbox.settings,
        registry=world.runtime.registry,
        transport=world.sandbox.transport,
        clock=world.clock,
    )
    session = await sessions.resolve(
        elsewhere, world.sandbox.demo_connections["whatsapp"], "whatsapp"
    )
    await WhatsAppClient(elsewhere, session).send_template(
        "+919820012345",
        "payment_reminder_multi",
        "en",
        [
            {
                "type": "body",
                "parameters": [{"type": "text", "text": t} for t in ("Priya", "₹1", "1 overdue")],
            },
            {
                "type": "button",
                "sub_type": "url",
                "index": "0",
                "parameters": [{"type": "text", "text": "x"}],
            },
        ],
    )
    started = world.clock.monotonic()

    report = await world.run()
    assert (report.sent, report.failed) == (2, {})
    refused = world.sandbox.state.calls.statuses
    assert sum(n for key, n in refused.items() if key.endswith("/messages 400")) == 1
    assert world.clock.monotonic() - started >= 6.0
    assert [m["to"] for m in world.messages()].count("+919820012345") == 2
    await elsewhere.aclose()


@pytest.mark.anyio
async def test_an_unapproved_template_is_one_configuration_error(world: World) -> None:
    for n in range(3):
        contact = await world.customer(f"Customer {n}", f"98200 1000{n}")
        await world.invoice(contact, "5000", TODAY - timedelta(days=7 + n))
    late = await world.customer("Late Payer", "98200 20000")
    await world.invoice(late, "5000", TODAY - timedelta(days=40))
    data = make_policy().model_dump(by_alias=True)
    data["stages"][2]["template"] = "payment_reminder_v2"  # overdue_7: still PENDING at Meta
    data["stages"][2]["parameters"] = ["party_name", "invoice_number"]
    report = await world.run(make_policy(stages=data["stages"]))

    assert len(report.configuration) == 1
    [problem] = report.configuration
    assert (problem.code, problem.scope, problem.stopped) == (
        "132001",
        "template payment_reminder_v2 (en)",
        3,
    )
    assert report.skipped == {p.CONFIGURATION: 3}
    assert report.sent == 1  # the final stage's template is fine: that customer is reminded
    assert report.has_failures


@pytest.mark.anyio
async def test_132001_from_a_send_stops_that_template_for_the_run(world: World) -> None:
    for n in range(3):
        contact = await world.customer(f"Customer {n}", f"98200 1000{n}")
        await world.invoice(contact, "5000", TODAY - timedelta(days=7 + n))
    # without the business account id the templates cannot be listed first: the send finds out
    value = dict(world.sandbox.demo_connections["whatsapp"])
    del value["businessAccountId"]
    world.whatsapp = await sessions.resolve(world.runtime, value, "whatsapp")
    data = make_policy().model_dump(by_alias=True)
    data["stages"][2]["template"] = "no_such_template"
    report = await world.run(make_policy(stages=data["stages"]), concurrency=1)

    [problem] = report.configuration
    assert problem.code == "132001"
    assert problem.stopped == 3
    assert "no_such_template" in problem.message
    assert world.messages() == []
    refused = world.sandbox.state.calls.statuses
    assert (
        sum(
            n
            for key, n in refused.items()
            if key.endswith("/messages 404") or key.endswith("/messages 400")
        )
        == 1
    )

    # the items were not used up: once the policy is fixed, every customer is reminded
    fixed = await world.run()
    assert fixed.sent == 3
