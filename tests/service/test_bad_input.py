"""Inputs that used to crash the service (HTTP 500) are 4xx that name the problem, or are handled.

Each case was found by fuzzing ``xero-wa serve``: deep JSON and huge integers in the action API
and in signed webhook deliveries (which Xero and Meta would retry for a day, then disable the
subscription), text that is not text (a lone surrogate), values too long for a URL, numbers
that overflow a date, and data Xero stored that a label could not format.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from pytest_httpx import HTTPXMock

from tests.conftest import TOKEN_CONNECTION
from tests.service.conftest import (
    API_KEY,
    Service,
    Stack,
    whatsapp_headers,
    xero_headers,
)

pytestmark = pytest.mark.anyio
AUTH = {"Authorization": f"Bearer {API_KEY}"}
XERO = "https://api.xero.com/api.xro/2.0"
DEEP = b"[" * 100_000
LONG_NUMBER = b'{"inputs": {"invoiceId": ' + b"9" * 5000 + b"}}"


async def invoke(service: Service, key: str, content: bytes, kind: str = "actions") -> Any:
    return await service.client.post(f"/v1/{kind}/{key}/invoke", content=content, headers=AUTH)


def problem(response: Any) -> tuple[str, str]:
    (field,) = response.json()["error"]["details"]["fields"]
    return field["field"], field["reason"]


# ----------------------------------------------------------------------------- JSON limits
async def test_deep_json_is_400_in_the_action_api(service: Service) -> None:
    response = await invoke(service, "listInvoices", DEEP)
    assert response.status_code == 400
    assert problem(response) == ("body", "is nested deeper than 64 levels")


async def test_nesting_inside_a_json_input_is_limited_too(service: Service) -> None:
    nested: Any = "x"
    for _ in range(70):
        nested = [nested]
    body = {"inputs": {"additionalFields": nested}, "connection": TOKEN_CONNECTION}
    response = await invoke(service, "createInvoice", json.dumps(body).encode())
    assert response.status_code == 400
    field, reason = problem(response)
    assert field.startswith("inputs.additionalFields[0][0]")
    assert reason == "is nested deeper than 64 levels"


async def test_a_5000_digit_integer_is_400_in_the_action_api(service: Service) -> None:
    response = await invoke(service, "getInvoice", LONG_NUMBER)
    assert response.status_code == 400
    assert problem(response) == (
        "body",
        "has a whole number longer than 100 digits at line 1 column 26 (5000 digits)",
    )


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b'{"inputs": {"page": NaN}}', "has NaN, which is not a JSON number"),
        (b'{"inputs": {"page": 1e999}}', "is a number out of range"),
        (b'{"inputs": \xff}', "is not UTF-8 text (byte 11)"),
    ],
)
async def test_numbers_and_bytes_json_does_not_allow_are_400(
    service: Service, body: bytes, reason: str
) -> None:
    response = await invoke(service, "listInvoices", body)
    assert response.status_code == 400
    assert problem(response)[1] == reason


@pytest.mark.parametrize("route", ["/webhooks/xero", "/webhooks/whatsapp"])
@pytest.mark.parametrize("body", [DEEP, b'{"events": [' + b"9" * 5000 + b"]}"])
async def test_signed_deliveries_of_deep_or_huge_json_get_400(
    service: Service, route: str, body: bytes
) -> None:
    headers = xero_headers(body) if route.endswith("xero") else whatsapp_headers(body)
    response = await service.client.post(route, content=body, headers=headers)
    assert response.status_code == 400
    assert response.content == b""


# ----------------------------------------------------------------------------- text and sizes
async def test_a_lone_surrogate_in_a_path_input_is_400_naming_it(service: Service) -> None:
    body = json.dumps({"inputs": {"invoiceId": "\ud800"}, "connection": TOKEN_CONNECTION})
    response = await invoke(service, "getInvoice", body.encode())
    assert response.status_code == 400
    assert problem(response) == (
        "inputs.invoiceId",
        "'\\ud800' is not text (an unpaired surrogate)",
    )


async def test_a_lone_surrogate_in_the_tenant_is_400_naming_it(service: Service) -> None:
    connection = {**TOKEN_CONNECTION, "tenantId": "\udc80abc"}
    body = json.dumps({"connection": connection})
    response = await invoke(service, "listInvoices", body.encode())
    assert response.status_code == 400
    assert problem(response)[0] == "connection.tenantId"


async def test_a_tenant_that_cannot_be_a_header_is_400(service: Service) -> None:
    body = {"connection": {**TOKEN_CONNECTION, "tenantId": "Café Ltd"}}
    response = await invoke(service, "listInvoices", json.dumps(body).encode())
    assert response.status_code == 400
    assert problem(response)[0] == "tenantId"


async def test_a_200000_character_invoice_id_is_400(service: Service) -> None:
    body = {"inputs": {"invoiceId": "a" * 200_000}, "connection": TOKEN_CONNECTION}
    response = await invoke(service, "getInvoice", json.dumps(body).encode())
    assert response.status_code == 400
    assert problem(response) == (
        "invoiceId",
        "is too long for the request path (200000 characters; at most 1024 once URL-encoded)",
    )


async def test_a_where_too_long_for_any_url_is_400(service: Service) -> None:
    body = {"inputs": {"where": "Name==" + "x" * 70_000}, "connection": TOKEN_CONNECTION}
    response = await invoke(service, "listContacts", json.dumps(body).encode())
    assert response.status_code == 400
    field, reason = problem(response)
    assert field == "request"
    assert "URL cannot be sent" in reason


# ----------------------------------------------------------------------------- numbers
async def test_min_days_overdue_beyond_the_calendar_is_400(service: Service) -> None:
    body = {"inputs": {"minDaysOverdue": 15940073049615960}, "connection": TOKEN_CONNECTION}
    response = await invoke(service, "listOverdueInvoices", json.dumps(body).encode())
    assert response.status_code == 400
    assert problem(response) == (
        "minDaysOverdue",
        "15940073049615960 is greater than the maximum of 36500",
    )


async def test_min_days_overdue_before_year_one_is_400(service: Service) -> None:
    inputs = {"minDaysOverdue": 36500, "asOf": "0001-02-01"}
    body = {"inputs": inputs, "connection": TOKEN_CONNECTION}
    response = await invoke(service, "listOverdueInvoices", json.dumps(body).encode())
    assert response.status_code == 400
    field, reason = problem(response)
    assert field == "minDaysOverdue"
    assert "before the first day of the calendar" in reason


@pytest.mark.parametrize(
    ("page", "reason"),
    [
        ("9" * 5000, "is out of range: a whole number from"),
        (2**63, "is out of range: a whole number from"),
    ],
)
async def test_whole_numbers_are_64_bit(service: Service, page: Any, reason: str) -> None:
    body = {"inputs": {"page": page}, "connection": TOKEN_CONNECTION}
    response = await invoke(service, "selectContact", json.dumps(body).encode(), "datasources")
    assert response.status_code == 400
    field, said = problem(response)
    assert field == "page"
    assert said.startswith(reason)


# ----------------------------------------------------------------------------- WhatsApp webhooks
def whatsapp_delivery(value: dict[str, Any]) -> bytes:
    change = {"field": "messages", "value": {"messaging_product": "whatsapp", **value}}
    body = {"object": "whatsapp_business_account", "entry": [{"id": "1", "changes": [change]}]}
    return json.dumps(body).encode()


@pytest.mark.parametrize("timestamp", ["abc", "99999999999999999999", "-5", "1e9", None, True])
async def test_a_status_with_an_odd_timestamp_is_still_stored(
    service: Service, timestamp: Any
) -> None:
    status = {"id": "wamid.X1", "status": "delivered", "timestamp": timestamp}
    body = whatsapp_delivery({"statuses": [status]})
    response = await service.client.post(
        "/webhooks/whatsapp", content=body, headers=whatsapp_headers(body)
    )
    assert response.status_code == 200
    (stored,) = service.runtime.store.messages.statuses("wamid.X1")
    assert stored.status == "delivered"
    assert stored.timestamp.startswith("1970-01-01")  # time unknown


async def test_stop_from_a_sender_that_is_not_a_phone_is_answered(service: Service) -> None:
    message = {"from": "not-a-phone", "id": "wamid.in-1", "type": "text", "text": {"body": "STOP"}}
    body = whatsapp_delivery({"messages": [message]})
    response = await service.client.post(
        "/webhooks/whatsapp", content=body, headers=whatsapp_headers(body)
    )
    assert response.status_code == 200
    assert [o for o in service.runtime.store.optouts.all() if o.scope == "phone"] == []


# ----------------------------------------------------------------------------- Xero's data
async def test_a_30_digit_unit_price_is_refused_by_the_sandbox_as_by_xero(stack: Stack) -> None:
    service = stack.service
    inputs = {"itemCode": "BIG", "itemName": "Big", "salesUnitPrice": 10**29}
    response = await invoke(
        service,
        "createItem",
        json.dumps({"inputs": inputs, "connection": _sandbox_connection(stack)}).encode(),
    )
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "upstream_rejected"
    assert error["details"]["messages"] == [
        "element 0 (Big): SalesDetails.UnitPrice must be between -999,999,999,999.99 and "
        "999,999,999,999.99"
    ]
    listed = await invoke(
        service,
        "selectItem",
        json.dumps({"connection": _sandbox_connection(stack)}).encode(),
        "datasources",
    )
    assert listed.status_code == 200
    assert "BIG" not in listed.text


async def test_an_item_with_a_30_digit_price_still_gets_a_label(
    service: Service, httpx_mock: HTTPXMock
) -> None:
    item = {"ItemID": "i-1", "Code": "BIG", "Name": "Big", "SalesDetails": {"UnitPrice": 1e29}}
    httpx_mock.add_response(url=re.compile(f"{XERO}/Items.*"), json={"Items": [item]})
    body = json.dumps({"connection": TOKEN_CONNECTION}).encode()
    response = await invoke(service, "selectItem", body, "datasources")
    assert response.status_code == 200
    assert response.json()["data"] == [
        {"key": "i-1", "label": "BIG · Big · 100,000,000,000,000,000,000,000,000,000.00"}
    ]


def _sandbox_connection(stack: Stack) -> dict[str, Any]:
    from component.sandbox.embedded import demo_connections

    return demo_connections(stack.sandbox)["xero"]
