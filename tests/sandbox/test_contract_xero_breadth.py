"""Contract tests for the sandbox's newer endpoints (contact groups, credit notes, quotes,
repeating invoices, bank transactions, reference data, reports, overpayments, prepayments):
each answer validates against ``xero_accounting.yaml`` with the same checker as
``test_contract_xero.py``, and every route of those modules is walked."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from component.sandbox.state import SandboxState
from tests.sandbox.contract_breadth import breadth_routes
from tests.sandbox.test_contract_xero import Contract, contract, registry, specs

__all__ = ["contract", "registry", "specs"]
pytestmark = pytest.mark.anyio
API = "/api.xro/2.0"


class Walk:
    def __init__(self, client: httpx.AsyncClient, h: dict[str, str], contract: Contract) -> None:
        self.client, self.h, self.contract = client, h, contract

    async def __call__(self, method: str, path: str, spec_path: str, **kw: Any) -> httpx.Response:
        headers = self.h | kw.pop("headers", {})
        response = await self.client.request(method, API + path, headers=headers, **kw)
        assert response.status_code < 500, response.text
        self.contract.response(method, spec_path, response)
        return response


async def test_every_breadth_endpoint_matches_the_spec(
    client: httpx.AsyncClient, h: dict[str, str], contract: Contract, sandbox: SandboxState
) -> None:
    check = Walk(client, h, contract)
    org = sandbox.xero.orgs[sandbox.xero.demo_tenant_id]
    contact_id = next(iter(org.contacts))
    # contact groups
    made = await check(
        "PUT", "/ContactGroups", "/ContactGroups", json={"ContactGroups": [{"Name": "VIP"}]}
    )
    group = made.json()["ContactGroups"][0]["ContactGroupID"]
    one = "/ContactGroups/{ContactGroupID}"
    await check("GET", "/ContactGroups", "/ContactGroups")
    members = {"Contacts": [{"ContactID": contact_id}]}
    await check("PUT", f"/ContactGroups/{group}/Contacts", one + "/Contacts", json=members)
    await check("GET", f"/ContactGroups/{group}", one)
    await check(
        "DELETE", f"/ContactGroups/{group}/Contacts/{contact_id}", one + "/Contacts/{ContactID}"
    )
    await check("DELETE", f"/ContactGroups/{group}/Contacts", one + "/Contacts")
    await check("POST", f"/ContactGroups/{group}", one, json={"ContactGroups": [{"Name": "VIPs"}]})
    # credit notes: create, allocate, void, pdf
    invoice = next(
        i
        for i in org.invoices.values()
        if i.type == "ACCREC" and i.status == "AUTHORISED" and i.amount_due > 100
    )
    note = {
        "Type": "ACCRECCREDIT",
        "Status": "AUTHORISED",
        "Contact": {"ContactID": invoice.contact_id},
        "LineItems": [
            {"Description": "Returned", "Quantity": 1, "UnitAmount": 50, "AccountCode": "200"}
        ],
    }
    made = await check("PUT", "/CreditNotes", "/CreditNotes", json={"CreditNotes": [note]})
    note_id = made.json()["CreditNotes"][0]["CreditNoteID"]
    await check("POST", "/CreditNotes", "/CreditNotes", json={"CreditNotes": [note]})
    cn = "/CreditNotes/{CreditNoteID}"
    allocation = {
        "Allocations": [
            {"Invoice": {"InvoiceID": invoice.invoice_id}, "Amount": 10, "Date": "2026-07-14"}
        ]
    }
    await check("PUT", f"/CreditNotes/{note_id}/Allocations", cn + "/Allocations", json=allocation)
    await check("GET", "/CreditNotes?page=1", "/CreditNotes")
    await check("GET", f"/CreditNotes/{note_id}", cn)
    await check(
        "GET", f"/CreditNotes/{note_id}/pdf", cn + "/pdf", headers={"Accept": "application/pdf"}
    )
    fresh = (
        await check("PUT", "/CreditNotes", "/CreditNotes", json={"CreditNotes": [note]})
    ).json()
    void = {"CreditNotes": [{"Status": "VOIDED"}]}
    await check("POST", f"/CreditNotes/{fresh['CreditNotes'][0]['CreditNoteID']}", cn, json=void)
    # quotes
    quote = {
        "Contact": {"ContactID": contact_id},
        "Date": "2026-07-14",
        "LineItems": [
            {"Description": "Fabric", "Quantity": 10, "UnitAmount": 80, "AccountCode": "200"}
        ],
    }
    made = await check("PUT", "/Quotes", "/Quotes", json={"Quotes": [quote]})
    quote_id = made.json()["Quotes"][0]["QuoteID"]
    await check("POST", "/Quotes", "/Quotes", json={"Quotes": [quote]})
    await check("GET", "/Quotes?Status=DRAFT", "/Quotes")
    await check("GET", f"/Quotes/{quote_id}", "/Quotes/{QuoteID}")
    sent = {"Quotes": [{**quote, "Status": "SENT"}]}
    await check("POST", f"/Quotes/{quote_id}", "/Quotes/{QuoteID}", json=sent)
    # bank transactions
    spend = {
        "Type": "SPEND",
        "Contact": {"ContactID": contact_id},
        "BankAccount": {"Code": "090"},
        "LineItems": [
            {"Description": "Courier", "Quantity": 1, "UnitAmount": 300, "AccountCode": "429"}
        ],
    }
    made = await check(
        "PUT", "/BankTransactions", "/BankTransactions", json={"BankTransactions": [spend]}
    )
    bt = made.json()["BankTransactions"][0]["BankTransactionID"]
    await check("GET", "/BankTransactions?page=1", "/BankTransactions")
    await check("GET", f"/BankTransactions/{bt}", "/BankTransactions/{BankTransactionID}")
    # settings lists and seeded documents
    for name in ("TaxRates", "TrackingCategories", "Currencies", "BrandingThemes"):
        await check("GET", f"/{name}", f"/{name}")
    for name, param in (
        ("RepeatingInvoices", "RepeatingInvoiceID"),
        ("Overpayments", "OverpaymentID"),
        ("Prepayments", "PrepaymentID"),
    ):
        listed = (await check("GET", f"/{name}", f"/{name}")).json()[name]
        await check("GET", f"/{name}/{listed[0][param]}", f"/{name}/{{{param}}}")
    # reports
    await check(
        "GET",
        f"/Reports/AgedReceivablesByContact?contactId={invoice.contact_id}",
        "/Reports/AgedReceivablesByContact",
    )
    for name in (
        "ProfitAndLoss",
        "BalanceSheet",
        "TrialBalance",
        "BankSummary",
        "ExecutiveSummary",
    ):
        await check("GET", f"/Reports/{name}", f"/Reports/{name}")
    assert breadth_routes(sandbox) - contract.checked == set(), "routes without a contract check"
