"""Invoices actions: every pinned request (tests/actions/cases/invoices.py) and the odd cases."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
import pytest
from pytest_httpx import HTTPXMock

from component import errors
from component.clock import FakeClock
from component.executor import Executor
from tests.actions.cases.invoices import CASES, CONTACT_ID, INVOICE, INVOICE_ID
from tests.actions.harness import API, Case, envelope, run_case
from tests.conftest import TOKEN_CONNECTION


@pytest.mark.anyio
@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
async def test_request_is_pinned(executor: Executor, httpx_mock: HTTPXMock, case: Case) -> None:
    await run_case(executor, httpx_mock, case)


@pytest.mark.anyio
async def test_an_approved_invoice_is_not_deleted_and_the_user_is_told_to_void_it(
    executor: Executor, httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_response(
        method="GET",
        url=f"{API}/Invoices/{INVOICE_ID}",
        json=envelope(Invoices=[{**INVOICE, "Status": "AUTHORISED"}]),
    )
    with pytest.raises(errors.InputError) as info:
        await executor.invoke("deleteInvoice", {"invoiceId": INVOICE_ID}, TOKEN_CONNECTION)
    assert info.value.message == (
        "action deleteInvoice: invalid input invoiceId: invoice INV-0142 is AUTHORISED; only "
        "DRAFT or SUBMITTED invoices can be deleted. Void it with voidInvoice instead."
    )
    assert [r.method for r in httpx_mock.get_requests()] == ["GET"]  # nothing was posted


@pytest.mark.anyio
async def test_validation_errors_list_every_message_with_its_element(
    executor: Executor, httpx_mock: HTTPXMock
) -> None:
    httpx_mock.add_response(
        method="PUT",
        url=f"{API}/Invoices",
        status_code=400,
        json={
            "ErrorNumber": 10,
            "Type": "ValidationException",
            "Message": "A validation exception occurred",
            "Elements": [
                {
                    "InvoiceNumber": "INV-0142",
                    "ValidationErrors": [{"Message": "Invoice number must be unique."}],
                    "LineItems": [
                        {"ValidationErrors": []},
                        {"ValidationErrors": [{"Message": "Account code '999' is not valid."}]},
                    ],
                    "Contact": {"ValidationErrors": [{"Message": "Contact is archived."}]},
                }
            ],
        },
    )
    inputs = {
        "contactId": CONTACT_ID,
        "invoiceType": "ACCREC",
        "lineAmountTypes": "Exclusive",
        "invoiceNumber": "INV-0142",
    }
    with pytest.raises(errors.UpstreamError) as info:
        await executor.invoke("createInvoice", inputs, TOKEN_CONNECTION)
    assert info.value.info.messages == [
        "element 0 (INV-0142): Invoice number must be unique.",
        "element 0 (INV-0142).LineItems[1]: Account code '999' is not valid.",
        "element 0 (INV-0142).Contact: Contact is archived.",
    ]
    assert info.value.status == 400
    assert not info.value.retryable
    assert len(httpx_mock.get_requests()) == 1  # a 400 is never retried


@pytest.mark.anyio
async def test_line_items_and_additional_fields_must_have_the_right_shape(
    executor: Executor,
) -> None:
    inputs = {
        "contactId": CONTACT_ID,
        "invoiceType": "ACCREC",
        "lineAmountTypes": "Exclusive",
        "lineItems": '{"Description": "one line, not a list"}',
        "additionalFields": "[1, 2]",
    }
    with pytest.raises(errors.InputError) as info:
        await executor.invoke("createInvoice", inputs, TOKEN_CONNECTION)
    assert sorted(p.field for p in info.value.problems) == ["additionalFields", "lineItems"]


@pytest.mark.anyio
async def test_overdue_as_of_defaults_to_today_in_the_organisations_time_zone(
    executor: Executor, httpx_mock: HTTPXMock, clock: FakeClock
) -> None:
    """At 13:00 UTC on 14 July it is already 15 July in Auckland: an invoice due on the 14th
    is one day overdue there. The organisation is read once and then cached."""
    clock.set(datetime(2026, 7, 14, 13, 0, tzinfo=UTC))
    httpx_mock.add_response(
        method="GET",
        url=f"{API}/Organisation",
        json=envelope(Organisations=[{"Timezone": "NEWZEALANDSTANDARDTIME"}]),
    )
    where = 'Type=="ACCREC" AND AmountDue>0 AND DueDate<DateTime(2026,07,15)'
    params = {"Statuses": "AUTHORISED", "where": where, "pageSize": "1000", "page": "1"}
    httpx_mock.add_response(
        method="GET",
        url=httpx.URL(f"{API}/Invoices", params=params),
        json=envelope(Invoices=[INVOICE]),
        is_reusable=True,
    )
    first = await executor.invoke("listOverdueInvoices", {}, TOKEN_CONNECTION)
    again = await executor.invoke("listOverdueInvoices", {}, TOKEN_CONNECTION)
    assert first["data"]["Invoices"] == again["data"]["Invoices"] == [INVOICE]
    paths = [r.url.path for r in httpx_mock.get_requests()]
    assert paths == ["/api.xro/2.0/Organisation", "/api.xro/2.0/Invoices", "/api.xro/2.0/Invoices"]


@pytest.mark.anyio
async def test_overdue_contact_filter_must_be_a_contact_id(executor: Executor) -> None:
    with pytest.raises(errors.InputError) as info:
        await executor.invoke(
            "listOverdueInvoices", {"contactId": 'x") OR (1==1'}, TOKEN_CONNECTION
        )
    assert info.value.problems[0].field == "contactId"
