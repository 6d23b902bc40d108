"""The six picklists of the receivables objects (component.xero.picklists_docs): pinned requests
valid under Xero's official spec, readable labels, search and paging, and a run of each against
the sandbox."""

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

NOTE = {
    "CreditNoteID": "cn1",
    "CreditNoteNumber": "CN-0007",
    "Contact": {"Name": "Priya Textiles"},
    "Status": "AUTHORISED",
    "CurrencyCode": "INR",
    "Total": 1180.0,
    "RemainingCredit": 969.96,
}
GROUPS = [
    {"ContactGroupID": f"g{i}", "Name": f"Group {i:03d}", "Status": "ACTIVE"} for i in range(130)
]
PINNED: list[tuple[str, dict[str, Any], str, dict[str, str], Any, list[dict[str, str]]]] = [
    (
        "selectCreditNote",
        {"search": 'CN "7"'},
        "/CreditNotes",
        {
            "page": "1",
            "pageSize": "100",
            "order": "Date DESC",
            "where": 'CreditNoteNumber.Contains("CN \\"7\\"") OR Contact.Name.Contains("CN \\"7\\"")',
        },
        envelope(CreditNotes=[NOTE]),
        [{"key": "cn1", "label": "CN-0007 · Priya Textiles · INR 969.96 to allocate"}],
    ),
    (
        "selectQuote",
        {"search": "QU-00", "page": 2},
        "/Quotes",
        {"page": "2", "order": "Date DESC", "QuoteNumber": "QU-00"},
        envelope(
            Quotes=[
                {
                    "QuoteID": "q1",
                    "QuoteNumber": "QU-0012",
                    "Contact": {"Name": "Priya Textiles"},
                    "Total": 969.96,
                    "CurrencyCode": "INR",
                    "Status": "SENT",
                }
            ]
        ),
        [{"key": "q1", "label": "QU-0012 · Priya Textiles · INR 969.96 · sent"}],
    ),
    (
        "selectContactGroup",
        {"page": 2},
        "/ContactGroups",
        {"order": "Name ASC"},
        envelope(ContactGroups=GROUPS),
        [{"key": f"g{i}", "label": f"Group {i:03d}"} for i in range(100, 130)],
    ),
    (
        "selectTaxRate",
        {"search": "sales"},
        "/TaxRates",
        {"where": 'Status=="ACTIVE"'},
        envelope(
            TaxRates=[
                {"Name": "Tax on Sales", "TaxType": "OUTPUT", "DisplayTaxRate": 18.0},
                {"Name": "Tax on Purchases", "TaxType": "INPUT", "DisplayTaxRate": 18.0},
            ]
        ),
        [{"key": "OUTPUT", "label": "Tax on Sales · OUTPUT · 18%"}],
    ),
    (
        "selectTrackingCategory",
        {},
        "/TrackingCategories",
        {},
        envelope(
            TrackingCategories=[
                {
                    "TrackingCategoryID": "t1",
                    "Name": "Region",
                    "Options": [{"Name": "North"}, {"Name": "South"}],
                }
            ]
        ),
        [{"key": "t1", "label": "Region · North, South"}],
    ),
    (
        "selectBankAccount",
        {"search": "savings"},
        "/Accounts",
        {"where": 'Type=="BANK" AND Status=="ACTIVE"', "order": "Code ASC"},
        envelope(
            Accounts=[
                {
                    "AccountID": "b1",
                    "Code": "090",
                    "Name": "Business Bank Account",
                    "BankAccountNumber": "1234567890",
                    "CurrencyCode": "INR",
                },
                {
                    "AccountID": "b2",
                    "Code": "091",
                    "Name": "Business Savings Account",
                    "BankAccountNumber": "99887766",
                    "CurrencyCode": "INR",
                },
            ]
        ),
        [{"key": "b2", "label": "091 · Business Savings Account · …7766 · INR"}],
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
    if (SPECS / "xero_accounting.yaml").is_file():
        check(request)


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("key", "search"),
    [
        ("selectCreditNote", "CN-"),
        ("selectQuote", "QU-"),
        ("selectContactGroup", "VIP"),
        ("selectTaxRate", "OUTPUT"),
        ("selectTrackingCategory", "Region"),
        ("selectBankAccount", "Savings"),
    ],
)
async def test_picklists_against_the_sandbox(sandboxed: Sandboxed, key: str, search: str) -> None:
    contact = next(c for c in sandboxed.org.contacts.values() if c.status == "ACTIVE").contact_id
    line = [{"Description": "x", "Quantity": 1, "UnitAmount": 10, "AccountCode": "200"}]
    await sandboxed.run(
        "createCreditNote",
        {
            "creditNoteType": "ACCRECCREDIT",
            "contactId": contact,
            "lineItems": line,
            "status": "AUTHORISED",
        },
    )
    await sandboxed.run(
        "createQuote", {"contactId": contact, "date": "2026-07-14", "lineItems": line}
    )
    await sandboxed.run(
        "rawRequest",
        {"method": "PUT", "url": "/ContactGroups", "data": '{"ContactGroups": [{"Name": "VIP"}]}'},
    )
    everything = await sandboxed.run(key, {}, kind="dataSource")
    assert 0 < len(everything) <= 100
    assert all(set(o) == {"key", "label"} for o in everything)
    found = await sandboxed.run(key, {"search": search}, kind="dataSource")
    assert found
    assert all(search.casefold() in o["label"].casefold() for o in found)
