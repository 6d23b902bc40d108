"""Payment actions: payInvoice takes the account by id or code; reverse is Status DELETED."""

from __future__ import annotations

from tests.actions.harness import Case, Exchange, envelope

PAYMENT_ID = "e1f2a3b4-c5d6-4e7f-8a9b-0c1d2e3f4a5b"
INVOICE_ID = "3b5e8c1d-7f2a-4e6b-9d0c-1a2b3c4d5e6f"
BANK_ID = "7d3c2b1a-0f9e-4d8c-b7a6-5e4d3c2b1a09"
PAYMENT = {"PaymentID": PAYMENT_ID, "Amount": 20000.0, "Status": "AUTHORISED"}
ORGANISATION = envelope(
    Organisations=[{"Name": "Priya Textiles Pvt Ltd", "Timezone": "INDIASTANDARDTIME"}]
)

CASES = [
    Case(
        "payInvoice",
        {
            "invoiceId": INVOICE_ID,
            "accountId": BANK_ID,
            "paymentAmount": "20000.50",
            "dateString": "2026-07-08T00:00:00",
        },
        [
            Exchange(
                "PUT",
                "/Payments",
                body={
                    "Payments": [
                        {
                            "Invoice": {"InvoiceID": INVOICE_ID},
                            "Account": {"AccountID": BANK_ID},
                            "Date": "2026-07-08",
                            "Amount": 20000.5,
                        }
                    ]
                },
                response=envelope(Payments=[PAYMENT]),
            )
        ],
        name="account by id, amount text sent as a number",
    ),
    Case(
        "payInvoice",
        {"invoiceId": "INV-0142", "accountId": "090", "paymentAmount": "20000"},
        [
            Exchange("GET", "/Organisation", response=ORGANISATION),
            Exchange(
                "PUT",
                "/Payments",
                body={
                    "Payments": [
                        {
                            "Invoice": {"InvoiceNumber": "INV-0142"},
                            "Account": {"Code": "090"},
                            "Date": "2026-07-14",
                            "Amount": 20000,
                        }
                    ]
                },
                response=envelope(Payments=[PAYMENT]),
            ),
        ],
        name="account by code, invoice by number, dated today in the organisation",
    ),
    Case(
        "reversePayment",
        {"paymentId": PAYMENT_ID},
        [
            Exchange(
                "POST",
                f"/Payments/{PAYMENT_ID}",
                body={"Status": "DELETED"},
                response=envelope(Payments=[{**PAYMENT, "Status": "DELETED"}]),
            )
        ],
    ),
    Case(
        "getPayment",
        {"paymentId": PAYMENT_ID},
        [Exchange("GET", f"/Payments/{PAYMENT_ID}", response=envelope(Payments=[PAYMENT]))],
    ),
    Case(
        "getPaymentHistory",
        {"paymentId": PAYMENT_ID},
        [
            Exchange(
                "GET",
                f"/Payments/{PAYMENT_ID}/History",
                response=envelope(HistoryRecords=[{"Changes": "Created"}]),
            )
        ],
    ),
    Case(
        "listPayments",
        {"where": 'PaymentType=="ACCRECPAYMENT"', "page": "2"},
        [
            Exchange(
                "GET",
                "/Payments",
                query={"where": 'PaymentType=="ACCRECPAYMENT"', "page": "2"},
                response=envelope(Payments=[PAYMENT]),
            )
        ],
    ),
    Case(
        "listPayments",
        {"fetchAll": True, "modifiedAfter": "2026-07-01T00:00:00"},
        [
            Exchange(
                "GET",
                "/Payments",
                query={"page": "1", "pageSize": "1000"},
                headers={"If-Modified-Since": "2026-07-01T00:00:00Z"},
                response=envelope(
                    pagination={"page": 1, "pageSize": 1000, "pageCount": 2, "itemCount": 1001},
                    Payments=[PAYMENT],
                ),
            ),
            Exchange(
                "GET",
                "/Payments",
                query={"page": "2", "pageSize": "1000"},
                headers={"If-Modified-Since": "2026-07-01T00:00:00Z"},
                response=envelope(
                    pagination={"page": 2, "pageSize": 1000, "pageCount": 2, "itemCount": 1001},
                    Payments=[PAYMENT],
                ),
            ),
        ],
        output=envelope(
            pagination={"page": 1, "pageSize": 1000, "pageCount": 2, "itemCount": 1001},
            Payments=[PAYMENT, PAYMENT],
        ),
        name="fetchAll keeps If-Modified-Since on every page",
    ),
]
