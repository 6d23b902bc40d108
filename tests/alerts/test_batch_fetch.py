"""Issue 13 target 3: the worker fetches a claimed batch's records together, ``GET /Invoices?IDs=``
(50 ids a call, per tenant), instead of one ``GET /Invoices/{id}`` per event; the only
per-invoice call left is the pay link of an alert actually sent."""

from __future__ import annotations

import uuid

import httpx
import pytest

from component.storage.events import NewEvent
from tests.alerts.test_alerts_e2e import new_contact, new_invoice
from tests.service.conftest import Stack

pytestmark = pytest.mark.anyio

XERO = "/api.xro/2.0"


def record_requests(stack: Stack) -> list[httpx.Request]:
    """Every request the service sends from now on (to the sandbox's Xero and WhatsApp)."""
    seen: list[httpx.Request] = []

    async def spy(request: httpx.Request) -> None:
        seen.append(request)

    http = stack.service.runtime.http
    http.event_hooks = {**http.event_hooks, "request": [*http.event_hooks["request"], spy]}
    return seen


def xero_gets(requests: list[httpx.Request]) -> list[tuple[str, list[str]]]:
    """(path below the API root, the IDs= list) of every Xero GET, in order."""
    out = []
    for request in requests:
        path = request.url.path
        if request.method == "GET" and path.startswith(XERO):
            ids = request.url.params.get("IDs")
            out.append((path[len(XERO) :], ids.split(",") if ids else []))
    return out


async def drain_turns(stack: Stack) -> None:
    """Drain, then let the clock reach each deferred alert's turn: three alerts to one customer
    go out one pair interval apart, and whether the third is deferred to its turn or waits in
    the pacer depends on thread timing (issue 13's per-recipient turns)."""
    await stack.service.worker.drain()
    for _ in range(5):
        if not stack.service.runtime.store.events.counts()["queued"]:
            return
        stack.clock.advance(stack.service.runtime.settings.whatsapp_pair_interval_seconds * 3)
        await stack.service.worker.drain()


async def drafts(stack: Stack, contact_id: str, count: int) -> list[str]:
    body = await stack.control(
        "/xero/invoices",
        {
            "Invoices": [
                {
                    "Type": "ACCREC",
                    "Contact": {"ContactID": contact_id},
                    "Status": "DRAFT",
                    "LineItems": [{"Description": f"Bale {n}", "Quantity": 1, "UnitAmount": 10}],
                }
                for n in range(count)
            ]
        },
    )
    return [str(i["InvoiceID"]).lower() for i in body["Invoices"]]


async def test_a_backlog_is_fetched_fifty_ids_a_call(stack: Stack) -> None:
    contact_id = await new_contact(stack)
    await stack.deliver()
    await stack.service.worker.drain()
    ids = await drafts(stack, contact_id, 120)
    await stack.deliver()
    assert stack.service.runtime.store.events.counts()["queued"] == 120
    requests = record_requests(stack)

    assert await stack.service.worker.drain() == 120

    gets = xero_gets(requests)
    assert gets == [
        ("/Invoices", ids[0:50]),
        ("/Invoices", ids[50:100]),
        ("/Invoices", ids[100:120]),
    ]
    counts = stack.service.runtime.store.events.counts()
    assert counts == {"queued": 0, "working": 0, "done": 121, "parked": 0}


async def test_alerts_of_one_batch_cost_one_record_call_and_a_pay_link_each(stack: Stack) -> None:
    # three customers: no alert waits for another's turn (the pair rate is per recipient)
    contacts = [await new_contact(stack, f"Customer {n}", f"98200 1234{n}") for n in range(3)]
    invoices = [await new_invoice(stack, c, Reference=f"PO-{n}") for n, c in enumerate(contacts)]
    await stack.deliver()
    requests = record_requests(stack)

    await drain_turns(stack)

    ids = [str(i["InvoiceID"]).lower() for i in invoices]
    gets = xero_gets(requests)
    assert ("/Invoices", ids) in gets
    assert ("/Contacts", [c.lower() for c in contacts]) in gets
    assert not [p for p, _ in gets if p.lower() in {f"/invoices/{i}" for i in ids}]
    links = sorted(p.lower() for p, _ in gets if p.endswith("/OnlineInvoice"))
    assert links == sorted(f"/invoices/{i}/onlineinvoice" for i in ids)
    assert len(await stack.messages(template="invoice_new")) == 3


async def test_an_id_the_list_does_not_return_is_fetched_alone_and_parks_alone(
    stack: Stack,
) -> None:
    contact_id = await new_contact(stack)
    await stack.deliver()
    await stack.service.worker.drain()
    (real,) = await drafts(stack, contact_id, 1)
    await stack.deliver()
    gone = str(uuid.uuid4())
    runtime = stack.service.runtime
    runtime.store.events.enqueue(
        [NewEvent(stack.tenant, "INVOICE", gone, "UPDATE", "2026-07-14T09:31:00.000")],
        runtime.clock.now(),
    )
    requests = record_requests(stack)

    await stack.service.worker.drain()

    assert xero_gets(requests) == [("/Invoices", [real, gone]), (f"/Invoices/{gone}", [])]
    events = runtime.store.events
    (parked,) = events.list(("parked",))
    assert parked.resource_id == gone
    assert events.counts()["done"] == 2
