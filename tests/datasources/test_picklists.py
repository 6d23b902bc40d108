"""Picklist data sources: one page per call, search sent to Xero, readable labels.

Requests are pinned (and checked against Xero's OpenAPI where it is available); then every data
source runs against the sandbox's demo organisation.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from pytest_httpx import HTTPXMock

from component.executor import Executor
from tests.actions.harness import API, envelope
from tests.conftest import TOKEN_CONNECTION
from tests.xero.openapi import SPECS, check
from tests.xero.sandboxed import Sandboxed

INVOICE = {
    "InvoiceID": "3b5e8c1d-7f2a-4e6b-9d0c-1a2b3c4d5e6f",
    "Type": "ACCREC",
    "InvoiceNumber": "INV-0142",
    "Contact": {"Name": "Priya Textiles"},
    "Status": "AUTHORISED",
    "CurrencyCode": "INR",
    "AmountDue": 48500.0,
    "DueDateString": "2026-07-07T00:00:00",
    "Payments": [
        {
            "PaymentID": "e1f2a3b4-c5d6-4e7f-8a9b-0c1d2e3f4a5b",
            "Date": "/Date(1783468800000+0000)/",
            "Amount": 2000,
        }
    ],
}
ACCOUNTS = [
    {"AccountID": f"a{i}", "Code": f"{200 + i}", "Name": f"Sales {i}", "Type": "REVENUE"}
    for i in range(150)
]
PINNED: list[tuple[str, dict[str, Any], str, dict[str, str], Any, list[dict[str, str]]]] = [
    (
        "selectInvoice",
        {"search": " INV-01 ", "page": 2},
        "/Invoices",
        {
            "page": "2",
            "pageSize": "100",
            "summaryOnly": "true",
            "order": "Date DESC",
            "Statuses": "DRAFT,SUBMITTED,AUTHORISED,PAID",
            "searchTerm": "INV-01",
        },
        envelope(Invoices=[INVOICE]),
        [
            {
                "key": INVOICE["InvoiceID"],
                "label": "INV-0142 · Priya Textiles · INR 48,500.00 due 7 Jul 2026",
            }
        ],
    ),
    (
        "selectContact",
        {"search": "priya"},
        "/Contacts",
        {
            "page": "1",
            "pageSize": "100",
            "summaryOnly": "true",
            "order": "Name ASC",
            "searchTerm": "priya",
        },
        envelope(
            Contacts=[{"ContactID": "c1", "Name": "Priya Textiles", "EmailAddress": "a@p.in"}]
        ),
        [{"key": "c1", "label": "Priya Textiles · a@p.in"}],
    ),
    (
        "selectPayment",
        {},
        "/Payments",
        {"page": "1", "pageSize": "100", "order": "Date DESC"},
        envelope(Payments=[{**INVOICE["Payments"][0], "Invoice": INVOICE}]),
        [
            {
                "key": "e1f2a3b4-c5d6-4e7f-8a9b-0c1d2e3f4a5b",
                "label": "8 Jul 2026 · INV-0142 · Priya Textiles · INR 2,000.00",
            }
        ],
    ),
    (
        "selectPayment",
        {"search": "INV-0142"},
        "/Invoices",
        {
            "page": "1",
            "pageSize": "100",
            "searchTerm": "INV-0142",
            "Statuses": "AUTHORISED,PAID",
        },
        envelope(Invoices=[INVOICE]),
        [
            {
                "key": "e1f2a3b4-c5d6-4e7f-8a9b-0c1d2e3f4a5b",
                "label": "8 Jul 2026 · INV-0142 · Priya Textiles · INR 2,000.00",
            }
        ],
    ),
    (
        "selectAccount",
        {"search": "sales 14", "page": 1},
        "/Accounts",
        {"order": "Code ASC"},
        envelope(Accounts=ACCOUNTS),
        [
            {"key": f"a{i}", "label": f"{200 + i} · Sales {i} · Revenue"}
            for i in (14, *range(140, 150))
        ],
    ),
    (
        "selectAccount",
        {"page": 2},
        "/Accounts",
        {"order": "Code ASC"},
        envelope(Accounts=ACCOUNTS),
        [{"key": f"a{i}", "label": f"{200 + i} · Sales {i} · Revenue"} for i in range(100, 150)],
    ),
    (
        "selectItem",
        {"search": "cot"},
        "/Items",
        {"order": "Code ASC"},
        envelope(
            Items=[
                {
                    "ItemID": "i1",
                    "Code": "COT-500",
                    "Name": "Cotton",
                    "SalesDetails": {"UnitPrice": 82.2},
                },
                {"ItemID": "i2", "Code": "SILK-1", "Name": "Silk"},
            ]
        ),
        [{"key": "i1", "label": "COT-500 · Cotton · 82.20"}],
    ),
]


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("key", "inputs", "path", "query", "answer", "options"),
    PINNED,
    ids=[f"{p[0]} {p[1]}" for p in PINNED],
)
async def test_picklist_request_and_labels(
    executor: Executor,
    httpx_mock: HTTPXMock,
    key: str,
    inputs: dict[str, Any],
    path: str,
    query: dict[str, str],
    answer: Any,
    options: list[dict[str, str]],
) -> None:
    httpx_mock.add_response(method="GET", url=httpx.URL(f"{API}{path}", params=query), json=answer)
    result = await executor.invoke(key, inputs, TOKEN_CONNECTION, kind="dataSource")
    assert result["data"] == options
    request = httpx_mock.get_request()
    assert request is not None
    assert request.headers["Xero-tenant-Id"] == TOKEN_CONNECTION["tenantId"]
    if (SPECS / "xero_accounting.yaml").is_file():
        check(request)


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("key", "search"),
    [
        ("selectInvoice", "INV-00"),
        ("selectContact", "a"),
        ("selectAccount", "Bank"),
        ("selectItem", "design"),
        ("selectPayment", "INV-00"),
    ],
)
async def test_picklists_against_the_sandbox(sandboxed: Sandboxed, key: str, search: str) -> None:
    everything = await sandboxed.run(key, {}, kind="dataSource")
    assert 0 < len(everything) <= 100
    assert all(set(o) == {"key", "label"} for o in everything)
    assert len({o["key"] for o in everything}) == len(everything)
    assert all(" · " in o["label"] for o in everything)
    found = await sandboxed.run(key, {"search": search}, kind="dataSource")
    assert found
    assert len(found) <= len(everything) or key == "selectPayment"


@pytest.mark.anyio
async def test_a_picklist_costs_one_call_whatever_the_organisations_size(
    sandboxed: Sandboxed,
) -> None:
    limiter_before = sum(lim.sent for lim in _limiters(sandboxed))
    await sandboxed.run("selectContact", {"search": "a", "page": 1}, kind="dataSource")
    assert sum(lim.sent for lim in _limiters(sandboxed)) - limiter_before == 1


def _limiters(sandboxed: Sandboxed) -> list[Any]:
    return list(sandboxed.runtime.shared_object("xero.limiters", dict).values())
