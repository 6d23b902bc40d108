"""Invoice actions: the requests Xero documents, byte for byte."""

from __future__ import annotations

from component.values import Binary
from tests.actions.harness import Case, Exchange, envelope

INVOICE_ID = "3b5e8c1d-7f2a-4e6b-9d0c-1a2b3c4d5e6f"
CONTACT_ID = "9a8b7c6d-5e4f-4a3b-2c1d-0e9f8a7b6c5d"
INVOICE = {
    "Type": "ACCREC",
    "InvoiceID": INVOICE_ID,
    "InvoiceNumber": "INV-0142",
    "Status": "AUTHORISED",
    "Contact": {"ContactID": CONTACT_ID, "Name": "Priya Textiles"},
    "DueDateString": "2026-07-07T00:00:00",
    "AmountDue": 48498.0,
    "CurrencyCode": "INR",
}
LINES = [
    {
        "Description": "Cotton fabric, 500 m",
        "Quantity": 500,
        "UnitAmount": 82.2,
        "AccountCode": "200",
    }
]
HISTORY = envelope(HistoryRecords=[{"Details": "WhatsApp reminder sent.", "Changes": "Note"}])


def page(number: int, count: int, size: int, items: int) -> dict[str, object]:
    invoices = [{**INVOICE, "InvoiceNumber": f"INV-{number}-{i}"} for i in range(items)]
    pagination = {"page": number, "pageSize": size, "pageCount": count, "itemCount": 2001}
    return envelope(pagination=pagination, Invoices=invoices)


CASES = [
    Case(
        "listInvoices",
        {"page": "2", "where": 'Status=="AUTHORISED"'},
        [
            Exchange(
                "GET",
                "/Invoices",
                query={"where": 'Status=="AUTHORISED"', "page": "2"},
                response=envelope(Invoices=[INVOICE]),
            )
        ],
        name="one page, where passed through",
    ),
    Case(
        "listInvoices",
        {"modifiedAfter": "2026-06-01T05:30:00+05:30"},
        [
            Exchange(
                "GET",
                "/Invoices",
                headers={"If-Modified-Since": "2026-06-01T00:00:00Z"},
                response=envelope(Invoices=[]),
            )
        ],
        name="modifiedAfter becomes If-Modified-Since in UTC",
    ),
    Case(
        "listInvoices",
        {"fetchAll": True, "page": "7"},
        [
            Exchange(
                "GET",
                "/Invoices",
                query={"page": "1", "pageSize": "1000"},
                response=page(1, 3, 1000, 2),
            ),
            Exchange(
                "GET",
                "/Invoices",
                query={"page": "2", "pageSize": "1000"},
                response=page(2, 3, 1000, 2),
            ),
            Exchange(
                "GET",
                "/Invoices",
                query={"page": "3", "pageSize": "1000"},
                response=page(3, 3, 1000, 1),
            ),
        ],
        output={
            **page(1, 3, 1000, 2),
            "Invoices": [
                *page(1, 3, 1000, 2)["Invoices"],  # type: ignore[misc]
                *page(2, 3, 1000, 2)["Invoices"],  # type: ignore[misc]
                *page(3, 3, 1000, 1)["Invoices"],  # type: ignore[misc]
            ],
        },
        name="fetchAll pages to pageCount at 1000, no extra call",
    ),
    Case(
        "getInvoice",
        {"invoiceId": INVOICE_ID},
        [Exchange("GET", f"/Invoices/{INVOICE_ID}", response=envelope(Invoices=[INVOICE]))],
    ),
    Case(
        "createInvoice",
        {
            "contactId": CONTACT_ID,
            "invoiceType": "ACCREC",
            "lineAmountTypes": "Exclusive",
            "lineItems": LINES,
            "currencyCode": "INR",
            "date": "2026-06-07",
            "dueDate": "2026-07-07",
            "invoiceNumber": "INV-0142",
            "invoiceStatus": "AUTHORISED",
            "reference": "PO-7781",
            "url": "https://erp.priyatextiles.in/orders/7781",
            "additionalFields": {"BrandingThemeID": "5d4dd402-c851-497e-aae1-9ff265c0d15a"},
        },
        [
            Exchange(
                "PUT",
                "/Invoices",
                body={
                    "Invoices": [
                        {
                            "Type": "ACCREC",
                            "Contact": {"ContactID": CONTACT_ID},
                            "CurrencyCode": "INR",
                            "Date": "2026-06-07",
                            "DueDate": "2026-07-07",
                            "InvoiceNumber": "INV-0142",
                            "Status": "AUTHORISED",
                            "LineAmountTypes": "Exclusive",
                            "LineItems": LINES,
                            "Reference": "PO-7781",
                            "SentToContact": False,
                            "Url": "https://erp.priyatextiles.in/orders/7781",
                            "BrandingThemeID": "5d4dd402-c851-497e-aae1-9ff265c0d15a",
                        }
                    ]
                },
                response=envelope(Invoices=[INVOICE]),
            )
        ],
        name="every input",
    ),
    Case(
        "createInvoice",
        {
            "contactId": CONTACT_ID,
            "invoiceType": "ACCPAY",
            "lineAmountTypes": "NoTax",
            "dateString": "2021-05-27T00:00:00",
            "dueDateString": "2021-06-27T00:00:00",
            "lineItems": "[]",
        },
        [
            Exchange(
                "PUT",
                "/Invoices",
                body={
                    "Invoices": [
                        {
                            "Type": "ACCPAY",
                            "Contact": {"ContactID": CONTACT_ID},
                            "Date": "2021-05-27",
                            "DueDate": "2021-06-27",
                            "LineAmountTypes": "NoTax",
                            "LineItems": [],
                            "SentToContact": False,
                        }
                    ]
                },
                response=envelope(Invoices=[INVOICE]),
            )
        ],
        name="date strings of the reference component, absent inputs left out",
    ),
    Case(
        "updateInvoice",
        {"invoiceId": INVOICE_ID, "dueDate": "2026-07-21", "reference": "PO-7781-R1"},
        [
            Exchange(
                "POST",
                f"/Invoices/{INVOICE_ID}",
                body={"Invoices": [{"DueDate": "2026-07-21", "Reference": "PO-7781-R1"}]},
                response=envelope(Invoices=[INVOICE]),
            )
        ],
        name="only the fields given",
    ),
    Case(
        "voidInvoice",
        {"invoiceId": INVOICE_ID},
        [
            Exchange(
                "POST",
                f"/Invoices/{INVOICE_ID}",
                body={"Invoices": [{"Status": "VOIDED"}]},
                response=envelope(Invoices=[{**INVOICE, "Status": "VOIDED"}]),
            )
        ],
    ),
    Case(
        "deleteInvoice",
        {"invoiceId": INVOICE_ID},
        [
            Exchange(
                "GET",
                f"/Invoices/{INVOICE_ID}",
                response=envelope(Invoices=[{**INVOICE, "Status": "DRAFT"}]),
            ),
            Exchange(
                "POST",
                f"/Invoices/{INVOICE_ID}",
                body={"Invoices": [{"Status": "DELETED"}]},
                response=envelope(Invoices=[{**INVOICE, "Status": "DELETED"}]),
            ),
        ],
        name="a draft is deleted by posting Status DELETED",
    ),
    Case(
        "sendInvoice",
        {"invoiceId": INVOICE_ID},
        [Exchange("POST", f"/Invoices/{INVOICE_ID}/Email", body={}, status=204)],
        output=None,
    ),
    Case(
        "addNoteToInvoice",
        {"invoiceId": INVOICE_ID, "notes": "WhatsApp reminder sent."},
        [
            Exchange(
                "PUT",
                f"/Invoices/{INVOICE_ID}/History",
                body={"HistoryRecords": [{"Details": "WhatsApp reminder sent."}]},
                response=HISTORY,
            )
        ],
    ),
    Case(
        "getInvoiceHistory",
        {"invoiceId": INVOICE_ID},
        [Exchange("GET", f"/Invoices/{INVOICE_ID}/History", response=HISTORY)],
    ),
    Case(
        "getOnlineInvoiceUrl",
        {"invoiceId": INVOICE_ID},
        [
            Exchange(
                "GET",
                f"/Invoices/{INVOICE_ID}/OnlineInvoice",
                response=envelope(
                    OnlineInvoices=[{"OnlineInvoiceUrl": "https://in.xero.com/Tz7X"}]
                ),
            )
        ],
    ),
    Case(
        "getInvoicePdf",
        {"invoiceId": INVOICE_ID},
        [
            Exchange(
                "GET",
                f"/Invoices/{INVOICE_ID}/pdf",
                headers={"Accept": "application/pdf"},
                response_content=b"%PDF-1.4 fake",
                response_headers={"Content-Type": "application/pdf"},
            )
        ],
        output=Binary(b"%PDF-1.4 fake", "application/pdf", "pdf"),
    ),
    Case(
        "listOverdueInvoices",
        {"asOf": "2026-07-14", "minDaysOverdue": 7, "contactId": CONTACT_ID, "currency": "inr"},
        [
            Exchange(
                "GET",
                "/Invoices",
                query={
                    "Statuses": "AUTHORISED",
                    "where": 'Type=="ACCREC" AND AmountDue>0 AND DueDate<DateTime(2026,07,08)'
                    f' AND Contact.ContactID==Guid("{CONTACT_ID}") AND CurrencyCode=="INR"',
                    "pageSize": "1000",
                    "page": "1",
                },
                response=envelope(
                    pagination={"page": 1, "pageSize": 1000, "pageCount": 1, "itemCount": 1},
                    Invoices=[INVOICE],
                ),
            )
        ],
        name="filters go to Xero",
    ),
]
