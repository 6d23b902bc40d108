"""sendPaymentReminders through the executor: two connections (Xero and WhatsApp) in one action."""

from __future__ import annotations

from datetime import timedelta

import pytest
from pytest_httpx import HTTPXMock

from component import errors
from component.executor import Executor
from component.registry import Registry
from tests.actions.harness import Exchange, check_request, envelope, register
from tests.conftest import TOKEN_CONNECTION
from tests.reminders.conftest import TODAY, World
from tests.xero.openapi import SPECS, check


@pytest.mark.anyio
async def test_the_action_runs_the_job_with_both_connections(world: World) -> None:
    priya = await world.customer("Priya Textiles")
    await world.invoice(priya, "48500", TODAY - timedelta(days=7))
    executor = Executor(world.runtime)
    connections = world.sandbox.demo_connections
    policy = "stages:\n  - key: overdue_7\n    days: 7\n    template: payment_reminder\n    button: payLink\n"
    result = await executor.invoke(
        "sendPaymentReminders",
        {"whatsappConnection": connections["whatsapp"], "policy": policy, "includeEntries": True},
        connections["xero"],
    )
    data = result["data"]
    assert data["sent"] == 1
    assert data["entries"][0]["summary"] == "overdue_7 · INV-0001 · ₹48,500.00"
    assert len(world.messages()) == 1


@pytest.mark.anyio
async def test_the_second_connection_must_be_a_whatsapp_one(world: World) -> None:
    executor = Executor(world.runtime)
    connections = world.sandbox.demo_connections
    with pytest.raises(errors.InputError, match="cannot run a whatsapp action"):
        await executor.invoke(
            "sendPaymentReminders", {"whatsappConnection": connections["xero"]}, connections["xero"]
        )


def test_the_manifest_lists_both_connection_inputs(registry: Registry) -> None:
    spec = registry.action("sendPaymentReminders").spec
    assert registry.connection_input(spec).key == "xeroConnection"  # type: ignore[union-attr]
    assert [(i.key, family) for i, family in registry.extra_connection_inputs(spec)] == [
        ("whatsappConnection", "whatsapp")
    ]
    assert [i.key for i in registry.all_inputs(spec) if i.type == "connection"] == [
        "whatsappConnection",
        "xeroConnection",
    ]


@pytest.mark.anyio
async def test_a_dry_run_sends_exactly_these_xero_requests(
    executor: Executor, httpx_mock: HTTPXMock
) -> None:
    """The job's listing, pinned like every action's requests (and checked against Xero's
    OpenAPI file where ../shared/specs is present): three calls, none per invoice."""
    exchanges = listing()
    register(httpx_mock, exchanges)
    result = await executor.invoke(
        "sendPaymentReminders",
        {"whatsappConnection": WHATSAPP, "policy": POLICY, "dryRun": True, "asOf": "2026-07-14"},
        TOKEN_CONNECTION,
    )
    sent = httpx_mock.get_requests()
    assert len(sent) == len(exchanges)
    for request, exchange in zip(sent, exchanges, strict=True):
        check_request(request, exchange)
        if (SPECS / "xero_accounting.yaml").is_file():
            check(request)
    assert result["data"]["planned"] == 1
    assert result["data"]["xeroCalls"] == {
        "total": 3,
        "contacts": 1,
        "invoices": 1,
        "organisation": 1,
    }


@pytest.mark.anyio
async def test_a_dry_run_needs_no_whatsapp_connection_and_shows_each_text(
    executor: Executor, httpx_mock: HTTPXMock
) -> None:
    """No WhatsApp connection stored or given: the dry run still plans, and each entry carries
    the message exactly as the customer would read it (issue 10 item 19). A real run needs it."""
    register(httpx_mock, listing())
    progress: list[tuple[int, int]] = []
    result = await executor.invoke(
        "sendPaymentReminders",
        {"policy": POLICY, "dryRun": True, "asOf": "2026-07-14", "includeEntries": True},
        TOKEN_CONNECTION,
        progress=lambda done, total: progress.append((done, total)),
    )
    assert not [r for r in httpx_mock.get_requests() if "graph" in str(r.url)]
    [entry] = result["data"]["entries"]
    assert entry["outcome"] == "planned"
    assert entry["text"].splitlines() == [
        "Hello Priya Textiles, invoice INV-0142 for ₹48,500.00 was due on 7 July 2026 and is "
        "now 7 days overdue. Please pay at your earliest convenience.",
        "Reply STOP to opt out",
        "[View and pay: https://in.xero.com/…]",
        "[Paid already]",
        "[Need more time]",
        "[Stop reminders]",
    ]
    assert progress == [(1, 1)]

    with pytest.raises(errors.ConnectionError, match="no whatsapp connection given"):
        await executor.invoke(
            "sendPaymentReminders", {"policy": POLICY, "asOf": "2026-07-14"}, TOKEN_CONNECTION
        )


POLICY = "stages:\n  - key: overdue_1\n    days: 1\n    template: payment_reminder\n"
ORG = {"Name": "Priya Textiles Pvt Ltd", "CountryCode": "IN", "Timezone": "INDIASTANDARDTIME"}
PAGE = {"page": 1, "pageSize": 1000, "pageCount": 1, "itemCount": 1}
PRIYA = {
    "ContactID": "9a8b7c6d-5e4f-4a3b-2c1d-0e9f8a7b6c5d",
    "Name": "Priya Textiles",
    "Phones": [{"PhoneType": "MOBILE", "PhoneNumber": "98200 12345"}],
    "UpdatedDateUTC": "/Date(1783500000000+0000)/",
}
INVOICE = {
    "Type": "ACCREC",
    "InvoiceID": "3b5e8c1d-7f2a-4e6b-9d0c-1a2b3c4d5e6f",
    "InvoiceNumber": "INV-0142",
    "Status": "AUTHORISED",
    "Contact": {"ContactID": PRIYA["ContactID"], "Name": "Priya Textiles"},
    "DueDateString": "2026-07-07T00:00:00",
    "AmountDue": 48500.0,
    "CurrencyCode": "INR",
}
WHATSAPP = {"type": "whatsappCloud", "accessToken": "wa-token", "phoneNumberId": "106540352242922"}


def listing() -> list[Exchange]:
    """The three calls of a run's listing, answered with Priya's one overdue invoice."""
    where = 'Type=="ACCREC" AND AmountDue>0 AND DueDate<DateTime(2026,07,14)'
    return [
        Exchange("GET", "/Organisation", response=envelope(Organisations=[ORG])),
        Exchange(
            "GET",
            "/Contacts",
            query={"page": "1", "pageSize": "1000", "includeArchived": "true"},
            response=envelope(Contacts=[PRIYA], pagination=PAGE),
        ),
        Exchange(
            "GET",
            "/Invoices",
            query={
                "Statuses": "AUTHORISED",
                "where": where,
                "summaryOnly": "true",
                "pageSize": "1000",
                "page": "1",
            },
            response=envelope(Invoices=[INVOICE], pagination=PAGE),
        ),
    ]
