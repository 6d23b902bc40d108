"""End to end with the sandbox: an invoice made in (emulated) Xero becomes a WhatsApp alert.

The sandbox creates the invoice and POSTs its signed, metadata-only webhook into the service;
the service answers 200 after queueing; the worker fetches the invoice with the event's tenant,
then the contact, the organisation and the online invoice link from the sandbox, and sends the
``invoice_new`` template through the sandbox's WhatsApp API. Its status webhooks come back into
the service. Paying the invoice stops its reminders.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from component.alerts.invoices import outbox_key
from component.storage.outbox_reads import Item
from tests.service.conftest import Stack, service_config

pytestmark = pytest.mark.anyio

PHONE = "+919820012345"


async def new_contact(stack: Stack, name: str = "Asha Textiles", phone: str = "98200 12345") -> str:
    contact = {
        "Name": name,
        "Phones": [{"PhoneType": "MOBILE", "PhoneNumber": phone, "PhoneCountryCode": "91"}],
    }
    body = await stack.control("/xero/contacts", {"Contacts": [contact]})
    contact_id: str = body["Contacts"][0]["ContactID"]
    return contact_id


async def new_invoice(stack: Stack, contact_id: str, **changes: Any) -> dict[str, Any]:
    invoice = {
        "Type": "ACCREC",
        "Contact": {"ContactID": contact_id},
        "Status": "AUTHORISED",
        "Date": "2026-07-14",
        "DueDate": "2026-08-13",
        "LineItems": [{"Description": "Cotton, 500 m", "Quantity": 1, "UnitAmount": 48500}],
        **changes,
    }
    body = await stack.control("/xero/invoices", {"Invoices": [invoice]})
    created: dict[str, Any] = body["Invoices"][0]
    return created


async def pay(stack: Stack, invoice: dict[str, Any]) -> None:
    payment = {
        "Invoice": {"InvoiceID": invoice["InvoiceID"]},
        "Account": {"Code": "090"},
        "Date": "2026-07-14",
        "Amount": invoice["AmountDue"],
    }
    await stack.control("/xero/payments", {"Payments": [payment]})


def mobile(phones: list[dict[str, Any]]) -> str:
    return next(p["PhoneNumber"] for p in phones if p.get("PhoneType") == "MOBILE")


async def test_sandbox_invoice_becomes_whatsapp_alert(stack: Stack) -> None:
    contact_id = await new_contact(stack)
    invoice = await new_invoice(stack, contact_id)
    await stack.deliver()  # the sandbox POSTs its signed webhook into the service
    events = stack.service.runtime.store.events
    assert events.counts()["queued"] == 2  # CONTACT CREATE + INVOICE CREATE, queued before 200
    assert await stack.messages() == []  # nothing is sent before the worker runs

    await stack.service.worker.drain()

    (message,) = await stack.messages()
    assert message["to"] == PHONE
    template = message["template"]
    assert template["name"] == "invoice_new"
    assert "Asha Textiles" in template["rendered_body"]
    assert invoice["InvoiceNumber"] in template["rendered_body"]
    assert "13 August 2026" in template["rendered_body"]
    assert message["biz_opaque_callback_data"] == outbox_key(
        "invoice_new", stack.tenant, invoice["InvoiceID"]
    )
    assert events.counts() == {"queued": 0, "working": 0, "done": 2, "parked": 0}
    sent = stack.service.runtime.store.outbox.get(message["biz_opaque_callback_data"])
    assert sent is not None
    assert (sent.kind, sent.state, sent.message_id) == ("alert", "sent", message["id"])


async def test_alert_is_sent_once_per_invoice(stack: Stack) -> None:
    contact_id = await new_contact(stack)
    invoice = await new_invoice(stack, contact_id)
    await stack.deliver()
    await stack.service.worker.drain()
    await stack.control(
        "/xero/invoices", {"Invoices": [{"InvoiceID": invoice["InvoiceID"], "Reference": "PO-9"}]}
    )
    await stack.deliver()  # an UPDATE event for the same invoice
    await stack.service.worker.drain()
    assert len(await stack.messages(template="invoice_new")) == 1
    assert stack.service.runtime.store.events.counts()["done"] == 3


async def test_status_webhooks_come_back_and_are_stored(stack: Stack) -> None:
    contact_id = await new_contact(stack)
    await new_invoice(stack, contact_id)
    await stack.deliver()
    await stack.service.worker.drain()
    (message,) = await stack.messages()
    stack.clock.advance(120)
    await stack.deliver()  # sent, delivered (and maybe read) statuses, signed by Meta's secret
    statuses = stack.service.runtime.store.messages.statuses(message["id"])
    assert [s.status for s in statuses][:2] == ["sent", "delivered"]
    assert all(s.callback_data == message["biz_opaque_callback_data"] for s in statuses)


async def test_paid_invoice_stops_its_reminders(stack: Stack) -> None:
    contact_id = await new_contact(stack)
    invoice = await new_invoice(stack, contact_id)
    await stack.deliver()
    await stack.service.worker.drain()
    await pay(stack, invoice)
    await stack.deliver()
    await stack.service.worker.drain()

    outbox = stack.service.runtime.store.outbox
    assert outbox.stop_reason(stack.tenant, invoice["InvoiceID"]) == "paid"
    blocked = outbox.claim(
        "reminder-after-payment",
        kind="reminder",
        items=[Item(stack.tenant, invoice["InvoiceID"], "overdue_7")],
    )
    assert not blocked.granted
    assert set(blocked.blocked.values()) == {"stopped: paid"}
    assert await stack.messages(template="payment_received") == []  # off by default


async def test_payment_received_message_when_enabled(make_stack: Any, stack_config: Any) -> None:
    config = stack_config.model_copy(update={"xero_wa_payment_alerts": True})
    stack: Stack = await make_stack(config=config)
    contact_id = await new_contact(stack)
    invoice = await new_invoice(stack, contact_id)
    await stack.deliver()
    await stack.service.worker.drain()
    await pay(stack, invoice)
    await stack.deliver()
    await stack.service.worker.drain()
    (thanks,) = await stack.messages(template="payment_received")
    assert thanks["to"] == PHONE
    assert "Thank you Asha Textiles" in thanks["template"]["rendered_body"]
    events = stack.service.runtime.store.events
    for event in events.list(("done",)):  # every event handled again (a replay, a re-poll)
        events.replay(event.id, stack.clock.now())
    await stack.service.worker.drain()
    assert len(await stack.messages(template="payment_received")) == 1


async def test_no_alert_for_draft_or_overdue_invoices(stack: Stack) -> None:
    contact_id = await new_contact(stack)
    await new_invoice(stack, contact_id, Status="DRAFT")
    await new_invoice(stack, contact_id, Date="2026-06-01", DueDate="2026-07-01")
    await stack.deliver()
    await stack.service.worker.drain()
    assert await stack.messages() == []
    assert stack.service.runtime.store.events.counts()["parked"] == 0


async def test_opted_out_contact_gets_no_alert(stack: Stack) -> None:
    stack.service.runtime.store.optouts.add_phone(PHONE, reason="replied STOP")
    contact_id = await new_contact(stack)
    await new_invoice(stack, contact_id)
    await stack.deliver()
    await stack.service.worker.drain()
    assert await stack.messages() == []


async def test_contact_event_refreshes_cached_phones(stack: Stack) -> None:
    contact_id = await new_contact(stack)
    await stack.deliver()
    await stack.service.worker.drain()
    cache = stack.service.runtime.store.contacts_cache
    cached = cache.get_many(stack.tenant, [contact_id])[contact_id.lower()]
    assert mobile(cached.phones) == "98200 12345"
    await stack.control(
        "/xero/contacts",
        {
            "Contacts": [
                {
                    "ContactID": contact_id,
                    "Phones": [
                        {
                            "PhoneType": "MOBILE",
                            "PhoneNumber": "98200 99999",
                            "PhoneCountryCode": "91",
                        }
                    ],
                }
            ]
        },
    )
    await stack.deliver()
    await stack.service.worker.drain()
    cached = cache.get_many(stack.tenant, [contact_id])[contact_id.lower()]
    assert mobile(cached.phones) == "98200 99999"


async def test_alerts_can_be_turned_off(make_stack: Any, stack_config: Any) -> None:
    stack: Stack = await make_stack(
        config=stack_config.model_copy(update={"xero_wa_invoice_alerts": False})
    )
    contact_id = await new_contact(stack)
    await new_invoice(stack, contact_id)
    await stack.deliver()
    await stack.service.worker.drain()
    assert await stack.messages() == []


def test_service_config_helper_keeps_worker_off() -> None:
    assert service_config().xero_wa_worker is False


async def test_contact_without_a_mobile_gets_nothing_and_nothing_is_lost(stack: Stack) -> None:
    body = await stack.control("/xero/contacts", {"Contacts": [{"Name": "No Phone Ltd"}]})
    await new_invoice(stack, body["Contacts"][0]["ContactID"])
    await stack.deliver()
    await stack.service.worker.drain()
    assert await stack.messages() == []
    assert stack.service.runtime.store.events.counts()["done"] == 2


def test_template_parameters_are_configurable() -> None:
    from component import errors
    from component.alerts import compose

    config = service_config(
        xero_wa_invoice_template="new_bill",
        xero_wa_invoice_template_params="invoice_number,invoice_total,pay_link",
        xero_wa_invoice_template_named=True,
        xero_wa_invoice_template_button=False,
    )
    choice = compose.template_for(config, "invoice")
    invoice = {"InvoiceNumber": "INV-7", "Total": 1180.0, "CurrencyCode": "INR"}
    today = date(2026, 7, 14)
    facts = compose.facts(invoice, "Asha", "en_IN", today, "https://in.xero.com/abc")
    (body,) = compose.components(choice, facts, suffix="abc")
    assert [p.get("parameter_name") for p in body["parameters"]] == [
        "invoice_number",
        "invoice_total",
        "pay_link",
    ]
    assert body["parameters"][1]["currency"]["amount_1000"] == 1180000
    assert body["parameters"][2]["text"] == "https://in.xero.com/abc"
    bad = service_config(xero_wa_invoice_template_params="party_name,colour")
    with pytest.raises(errors.InputError, match="XERO_WA_INVOICE_TEMPLATE_PARAMS"):
        compose.template_for(bad, "invoice")
