"""Bad requests get what Xero would answer (4xx), never a 500: junk bodies on every write,
junk parameters on every read."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from component.sandbox.state import SandboxState
from component.sandbox.xero import accounting

pytestmark = pytest.mark.anyio
API = "/api.xro/2.0"
JUNK_BODIES: list[bytes] = [
    b"",
    b"not json",
    b"[]",
    b"null",
    b"42",
    b'"text"',
    b'{"Invoices": {}}',
    json.dumps({"Invoices": [None, 1, "x", []]}).encode(),
    json.dumps(
        {"Contacts": [{"Name": 5, "Phones": "x", "Addresses": 3, "EmailAddress": 9}]}
    ).encode(),
    json.dumps({"Items": [{"Code": {"a": 1}, "SalesDetails": {"UnitPrice": "x"}}]}).encode(),
    json.dumps(
        {"Payments": [{"Invoice": "x", "Account": 5, "Amount": "lots", "Date": []}]}
    ).encode(),
    json.dumps({"Accounts": [{"Code": None, "Type": 7}], "Code": ["x"], "Type": {}}).encode(),
    json.dumps(
        {
            "Invoices": [
                {
                    "Type": "ACCREC",
                    "Contact": {"Name": "J"},
                    "Status": 3,
                    "LineItems": [
                        {
                            "Description": "d",
                            "Quantity": "q",
                            "UnitAmount": None,
                            "DiscountRate": "z",
                        }
                    ],
                    "Date": {"y": 1},
                    "DueDate": "/Date(abc)/",
                    "CurrencyCode": 1,
                    "LineAmountTypes": 2,
                }
            ]
        }
    ).encode(),
    json.dumps({"HistoryRecords": [{"Details": 5}, None]}).encode(),
    b"\xff\xfe\x00",
]


def concrete(path: str, ids: dict[str, str]) -> str:
    for name, value in ids.items():
        path = path.replace("{" + name + "}", value)
    return path


@pytest.fixture
def ids(sandbox: SandboxState) -> dict[str, str]:
    org = sandbox.xero.orgs[sandbox.xero.demo_tenant_id]
    draft = next(i for i in org.invoices.values() if i.status == "DRAFT")
    return {
        "InvoiceID": draft.invoice_id,
        "ContactID": next(iter(org.contacts)),
        "ItemID": next(iter(org.items)),
        "AccountID": next(iter(org.accounts)),
        "PaymentID": next(iter(org.payments)),
        "FileName": "f.txt",
    }


async def test_junk_bodies_on_every_write_are_4xx(
    client: httpx.AsyncClient, h: dict[str, str], sandbox: SandboxState, ids: dict[str, str]
) -> None:
    sandbox.config.limits.per_minute = 100_000
    for route in accounting.routes(sandbox.xero):
        for method in sorted((route.methods or set()) & {"PUT", "POST"}):
            for body in JUNK_BODIES:
                response = await client.request(
                    method, API + concrete(route.path, ids), content=body, headers=h
                )
                assert response.status_code < 500, (method, route.path, body, response.text)


@pytest.mark.parametrize(
    "params",
    [
        {"page": "abc", "pageSize": "-5"},
        {"page": "0", "pageSize": "0"},
        {"IDs": "not-a-guid,,", "Statuses": "NOPE"},
        {"where": "((((", "order": "DESC"},
        {"where": "DueDate < DateTime(2026,02,30)"},
        {"where": "Type==ACCREC"},
        {"summaryOnly": "maybe", "includeArchived": "1"},
        {"searchTerm": "%00\u0000"},
    ],
)
async def test_junk_query_parameters_are_4xx_or_ignored(
    client: httpx.AsyncClient, h: dict[str, str], params: dict[str, Any]
) -> None:
    for collection in ("Invoices", "Contacts", "Payments", "Items", "Accounts"):
        response = await client.get(f"{API}/{collection}", params=params, headers=h)
        assert response.status_code in (200, 400), response.text


async def test_junk_headers_are_handled(client: httpx.AsyncClient, h: dict[str, str]) -> None:
    odd = h | {"If-Modified-Since": "yesterday-ish", "Idempotency-Key": " "}
    assert (await client.get(f"{API}/Invoices", headers=odd)).status_code == 200
    assert (await client.put(f"{API}/Contacts", json={"Name": "K"}, headers=odd)).status_code == 400
    schemes = [{"Authorization": "Basic abc"}, {"Authorization": "Bearer"}, {"Authorization": ""}]
    for auth in schemes:
        response = await client.get(f"{API}/Invoices", headers=auth)
        assert response.status_code == 401
