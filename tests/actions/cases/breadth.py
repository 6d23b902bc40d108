"""Pinned requests of the actions added for a receivables workflow (issue 16): credit notes,
quotes, repeating invoices, bank transactions, contact groups, settings lists, reports,
overpayments and prepayments. The contract test replays each through the validating mock."""

from __future__ import annotations

from component.values import Binary
from tests.actions.harness import Case, Exchange, envelope

CN = "8b9c0d1e-2f3a-4b5c-9d6e-7f8a9b0c1d2e"
INV = "3b5e8c1d-7f2a-4e6b-9d0c-1a2b3c4d5e6f"
CONTACT = "9a8b7c6d-5e4f-4a3b-2c1d-0e9f8a7b6c5d"
QUOTE = "1c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f"
BT = "2d3e4f5a-6b7c-4d8e-9f0a-1b2c3d4e5f6a"
RI = "4f5a6b7c-8d9e-4f0a-1b2c-3d4e5f6a7b8c"
GROUP = "5a6b7c8d-9e0f-4a1b-2c3d-4e5f6a7b8c9d"
BANK = "7d3c2b1a-0f9e-4d8c-b7a6-5e4d3c2b1a09"
LINES = [{"Description": "Returned roll", "Quantity": 1, "UnitAmount": 500, "AccountCode": "200"}]
PDF = b"%PDF-1.4 credit note CN-0007"
PAGED = {"page": "1", "pageSize": "1000"}
SINCE = {"If-Modified-Since": "2026-07-01T00:00:00Z"}


def one(
    key: str, inputs: dict[str, object], method: str, path: str, name: str = "pinned", **kw: object
) -> Case:
    """A case of exactly one request (most of these actions)."""
    return Case(key, inputs, [Exchange(method, path, **kw)], name=name)  # type: ignore[arg-type]


CASES = [
    one(
        "listCreditNotes",
        {"where": 'Status=="AUTHORISED"', "page": "2"},
        "GET",
        "/CreditNotes",
        query={"where": 'Status=="AUTHORISED"', "page": "2"},
        response=envelope(CreditNotes=[]),
    ),
    one(
        "listCreditNotes",
        {"fetchAll": True, "modifiedAfter": "2026-07-01T00:00:00"},
        "GET",
        "/CreditNotes",
        name="fetchAll with If-Modified-Since",
        query=PAGED,
        headers=SINCE,
        response=envelope(
            pagination={"page": 1, "pageSize": 1000, "pageCount": 1, "itemCount": 0}, CreditNotes=[]
        ),
    ),
    one(
        "getCreditNote",
        {"creditNoteId": CN},
        "GET",
        f"/CreditNotes/{CN}",
        response=envelope(CreditNotes=[{"CreditNoteID": CN}]),
    ),
    one(
        "createCreditNote",
        {
            "creditNoteType": "ACCRECCREDIT",
            "contactId": CONTACT,
            "lineItems": LINES,
            "status": "AUTHORISED",
            "date": "2026-07-14",
            "reference": "Damaged roll",
        },
        "PUT",
        "/CreditNotes",
        body={
            "CreditNotes": [
                {
                    "Type": "ACCRECCREDIT",
                    "Contact": {"ContactID": CONTACT},
                    "Date": "2026-07-14",
                    "LineItems": LINES,
                    "Reference": "Damaged roll",
                    "Status": "AUTHORISED",
                }
            ]
        },
        response=envelope(CreditNotes=[{"CreditNoteID": CN}]),
    ),
    one(
        "allocateCreditNote",
        {"creditNoteId": CN, "invoiceId": INV, "amount": "250.50", "date": "2026-07-15"},
        "PUT",
        f"/CreditNotes/{CN}/Allocations",
        body={
            "Allocations": [{"Invoice": {"InvoiceID": INV}, "Amount": 250.5, "Date": "2026-07-15"}]
        },
        response=envelope(Allocations=[{"Amount": 250.5}]),
    ),
    one(
        "voidCreditNote",
        {"creditNoteId": CN},
        "POST",
        f"/CreditNotes/{CN}",
        body={"CreditNotes": [{"Status": "VOIDED"}]},
        response=envelope(CreditNotes=[{"Status": "VOIDED"}]),
    ),
    Case(
        "getCreditNotePdf",
        {"creditNoteId": CN},
        [
            Exchange(
                "GET",
                f"/CreditNotes/{CN}/pdf",
                headers={"Accept": "application/pdf"},
                response_content=PDF,
                response_headers={"Content-Type": "application/pdf"},
            )
        ],
        output=Binary(PDF, "application/pdf", "pdf"),
        name="binary out",
    ),
    one(
        "listQuotes",
        {
            "status": "SENT",
            "contactId": CONTACT,
            "page": "1",
            "modifiedAfter": "2026-07-01T00:00:00",
        },
        "GET",
        "/Quotes",
        query={"ContactID": CONTACT, "Status": "SENT", "page": "1", "order": "Date DESC"},
        headers=SINCE,
        response=envelope(Quotes=[]),
    ),
    one(
        "getQuote",
        {"quoteId": QUOTE},
        "GET",
        f"/Quotes/{QUOTE}",
        response=envelope(Quotes=[{"QuoteID": QUOTE}]),
    ),
    one(
        "createQuote",
        {
            "contactId": CONTACT,
            "date": "2026-07-14",
            "expiryDate": "2026-07-28",
            "lineItems": LINES,
            "title": "Quote",
        },
        "PUT",
        "/Quotes",
        body={
            "Quotes": [
                {
                    "Contact": {"ContactID": CONTACT},
                    "Date": "2026-07-14",
                    "ExpiryDate": "2026-07-28",
                    "LineItems": LINES,
                    "Title": "Quote",
                }
            ]
        },
        response=envelope(Quotes=[{"QuoteID": QUOTE}]),
    ),
    Case(
        "updateQuoteStatus",
        {"quoteId": QUOTE, "status": "ACCEPTED"},
        [
            Exchange(
                "GET",
                f"/Quotes/{QUOTE}",
                response=envelope(
                    Quotes=[
                        {
                            "QuoteID": QUOTE,
                            "Contact": {"ContactID": CONTACT},
                            "DateString": "2026-07-14T00:00:00",
                            "Status": "SENT",
                        }
                    ]
                ),
            ),
            Exchange(
                "POST",
                f"/Quotes/{QUOTE}",
                body={
                    "Quotes": [
                        {
                            "Contact": {"ContactID": CONTACT},
                            "Date": "2026-07-14",
                            "Status": "ACCEPTED",
                        }
                    ]
                },
                response=envelope(Quotes=[{"QuoteID": QUOTE, "Status": "ACCEPTED"}]),
            ),
        ],
        name="reads the quote, sends its contact and date back with the status",
    ),
    one(
        "listRepeatingInvoices",
        {"where": 'Status=="AUTHORISED"'},
        "GET",
        "/RepeatingInvoices",
        query={"where": 'Status=="AUTHORISED"'},
        response=envelope(RepeatingInvoices=[]),
    ),
    one(
        "getRepeatingInvoice",
        {"repeatingInvoiceId": RI},
        "GET",
        f"/RepeatingInvoices/{RI}",
        response=envelope(RepeatingInvoices=[{"RepeatingInvoiceID": RI}]),
    ),
    one(
        "listBankTransactions",
        {"fetchAll": True, "modifiedAfter": "2026-07-01T00:00:00"},
        "GET",
        "/BankTransactions",
        query=PAGED,
        headers=SINCE,
        response=envelope(
            pagination={"page": 1, "pageSize": 1000, "pageCount": 1, "itemCount": 0},
            BankTransactions=[],
        ),
    ),
    one(
        "getBankTransaction",
        {"bankTransactionId": BT},
        "GET",
        f"/BankTransactions/{BT}",
        response=envelope(BankTransactions=[{"BankTransactionID": BT}]),
    ),
    one(
        "createBankTransaction",
        {
            "transactionType": "RECEIVE",
            "contactId": CONTACT,
            "bankAccountId": BANK,
            "lineItems": LINES,
            "reference": "Cash sale",
        },
        "PUT",
        "/BankTransactions",
        body={
            "BankTransactions": [
                {
                    "Type": "RECEIVE",
                    "Contact": {"ContactID": CONTACT},
                    "BankAccount": {"AccountID": BANK},
                    "LineItems": LINES,
                    "Reference": "Cash sale",
                }
            ]
        },
        response=envelope(BankTransactions=[{"BankTransactionID": BT}]),
    ),
    one("listContactGroups", {}, "GET", "/ContactGroups", response=envelope(ContactGroups=[])),
    one(
        "getContactGroup",
        {"contactGroupId": GROUP},
        "GET",
        f"/ContactGroups/{GROUP}",
        response=envelope(ContactGroups=[{"ContactGroupID": GROUP, "Contacts": []}]),
    ),
    one(
        "addContactsToGroup",
        {"contactGroupId": GROUP, "contactIds": [CONTACT, CONTACT]},
        "PUT",
        f"/ContactGroups/{GROUP}/Contacts",
        name="each id once",
        body={"Contacts": [{"ContactID": CONTACT}]},
        response=envelope(Contacts=[{"ContactID": CONTACT}]),
    ),
    one(
        "removeContactFromGroup",
        {"contactGroupId": GROUP, "contactId": CONTACT},
        "DELETE",
        f"/ContactGroups/{GROUP}/Contacts/{CONTACT}",
        status=204,
        response=None,
    ),
    one(
        "listTaxRates",
        {"where": 'Status=="ACTIVE"'},
        "GET",
        "/TaxRates",
        query={"where": 'Status=="ACTIVE"'},
        response=envelope(TaxRates=[]),
    ),
    one(
        "listTrackingCategories",
        {},
        "GET",
        "/TrackingCategories",
        response=envelope(TrackingCategories=[]),
    ),
    one(
        "listCurrencies", {}, "GET", "/Currencies", response=envelope(Currencies=[{"Code": "INR"}])
    ),
    one("listBrandingThemes", {}, "GET", "/BrandingThemes", response=envelope(BrandingThemes=[])),
    one(
        "getAgedReceivablesByContact",
        {"contactId": CONTACT, "date": "2026-07-31"},
        "GET",
        "/Reports/AgedReceivablesByContact",
        query={"contactId": CONTACT, "date": "2026-07-31"},
        response=envelope(Reports=[]),
    ),
    one(
        "getProfitAndLoss",
        {"fromDate": "2026-04-01", "toDate": "2026-06-30"},
        "GET",
        "/Reports/ProfitAndLoss",
        query={"fromDate": "2026-04-01", "toDate": "2026-06-30"},
        response=envelope(Reports=[]),
    ),
    one(
        "getBalanceSheet",
        {"date": "2026-06-30"},
        "GET",
        "/Reports/BalanceSheet",
        query={"date": "2026-06-30"},
        response=envelope(Reports=[]),
    ),
    one("getTrialBalance", {}, "GET", "/Reports/TrialBalance", response=envelope(Reports=[])),
    one(
        "getBankSummary",
        {"fromDate": "2026-06-01"},
        "GET",
        "/Reports/BankSummary",
        query={"fromDate": "2026-06-01"},
        response=envelope(Reports=[]),
    ),
    one(
        "getExecutiveSummary",
        {"date": "2026-06-30"},
        "GET",
        "/Reports/ExecutiveSummary",
        query={"date": "2026-06-30"},
        response=envelope(Reports=[]),
    ),
    one(
        "listOverpayments",
        {"page": "1"},
        "GET",
        "/Overpayments",
        query={"page": "1"},
        response=envelope(Overpayments=[]),
    ),
    one(
        "listPrepayments",
        {"where": 'Status=="AUTHORISED"'},
        "GET",
        "/Prepayments",
        query={"where": 'Status=="AUTHORISED"'},
        response=envelope(Prepayments=[]),
    ),
]
