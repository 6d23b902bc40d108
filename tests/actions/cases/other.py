"""Organisation, tenants and raw requests."""

from __future__ import annotations

from component.values import Binary
from tests.actions.harness import CONNECTIONS, Case, Exchange, envelope

TENANTS = [
    {
        "id": "5f1a3c2e-8d4b-4f0a-9c1e-2b7d6e8f9a01",
        "tenantId": "45e4708e-d862-4111-ab3a-dd8cd03913e1",
        "tenantType": "ORGANISATION",
        "tenantName": "Priya Textiles Pvt Ltd",
    }
]
INVOICE_ID = "3b5e8c1d-7f2a-4e6b-9d0c-1a2b3c4d5e6f"

CASES = [
    Case(
        "getOrganisation",
        {},
        [
            Exchange(
                "GET",
                "/Organisation",
                response=envelope(Organisations=[{"Name": "Priya Textiles Pvt Ltd"}]),
            )
        ],
    ),
    Case("listConnections", {}, [Exchange("GET", "", base=CONNECTIONS, response=TENANTS)]),
    Case(
        "rawRequest",
        {
            "method": "get",
            "url": "/Invoices?Statuses=AUTHORISED",
            "queryParams": [{"key": "page", "value": "2"}],
            "headers": [{"key": "If-Modified-Since", "value": "2026-07-01T00:00:00Z"}],
        },
        [
            Exchange(
                "GET",
                "/Invoices",
                query={"Statuses": "AUTHORISED", "page": "2"},
                headers={"If-Modified-Since": "2026-07-01T00:00:00Z", "Accept": "application/json"},
                response=envelope(Invoices=[]),
            )
        ],
        name="GET with query and headers",
    ),
    Case(
        "rawRequest",
        {
            "method": "POST",
            "url": "https://api.xero.com/api.xro/2.0/Invoices/" + INVOICE_ID,
            "data": '{"Invoices": [{"Status": "AUTHORISED"}]}',
        },
        [
            Exchange(
                "POST",
                f"/Invoices/{INVOICE_ID}",
                body={"Invoices": [{"Status": "AUTHORISED"}]},
                response=envelope(Invoices=[{"InvoiceID": INVOICE_ID, "Status": "AUTHORISED"}]),
            )
        ],
        name="POST JSON data to a full API URL",
    ),
    Case(
        "rawRequest",
        {
            "method": "GET",
            "url": f"/Invoices/{INVOICE_ID}/pdf",
            "responseType": "binary",
            "headers": [{"key": "Accept", "value": "application/pdf"}],
        },
        [
            Exchange(
                "GET",
                f"/Invoices/{INVOICE_ID}/pdf",
                headers={"Accept": "application/pdf"},
                response_content=b"%PDF-1.4",
                response_headers={"Content-Type": "application/pdf"},
            )
        ],
        output=Binary(b"%PDF-1.4", "application/pdf"),
        name="binary response",
    ),
]
