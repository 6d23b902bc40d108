"""Attachment actions: any object type, raw bytes in and out."""

from __future__ import annotations

import base64

from component.values import Binary
from tests.actions.harness import Case, Exchange, envelope

INVOICE_ID = "3b5e8c1d-7f2a-4e6b-9d0c-1a2b3c4d5e6f"
CREDIT_NOTE_ID = "8b9c0d1e-2f3a-4b5c-9d6e-7f8a9b0c1d2e"
PDF = b"%PDF-1.7 purchase order 7781"
ATTACHMENT = {
    "AttachmentID": "5a6b7c8d-9e0f-4a1b-8c2d-3e4f5a6b7c8d",
    "FileName": "PO 7781.pdf",
    "MimeType": "application/pdf",
    "ContentLength": len(PDF),
}

CASES = [
    Case(
        "createAttachment",
        {
            "objectType": "Invoices",
            "objectId": INVOICE_ID,
            "fileName": "PO 7781.pdf",
            "contentType": "application/pdf",
            "file": base64.b64encode(PDF).decode(),
        },
        [
            Exchange(
                "PUT",
                f"/Invoices/{INVOICE_ID}/Attachments/PO%207781.pdf",
                content=PDF,
                headers={"Content-Type": "application/octet-stream"},
                response=envelope(Attachments=[ATTACHMENT]),
            )
        ],
        name="raw bytes under the file name",
    ),
    Case(
        "getAttachment",
        {"objectType": "invoice", "objectId": INVOICE_ID, "fileName": "PO 7781.pdf"},
        [
            Exchange(
                "GET",
                f"/Invoices/{INVOICE_ID}/Attachments/PO%207781.pdf",
                headers={"Accept": "application/octet-stream", "contentType": "application/pdf"},
                response_content=PDF,
                response_headers={"Content-Type": "application/pdf"},
            )
        ],
        output=Binary(PDF, "application/pdf", "PO 7781.pdf"),
        name="binary out",
    ),
    Case(
        "getAttachment",
        {"objectType": "Invoices", "objectId": INVOICE_ID, "fileName": "PO 7781.pdf"},
        [
            Exchange(
                "GET",
                f"/Invoices/{INVOICE_ID}/Attachments/PO%207781.pdf",
                headers={"Accept": "application/octet-stream", "contentType": "application/pdf"},
                response_content=PDF,
                response_headers={"Content-Type": "application/octet-stream"},
            )
        ],
        output=Binary(PDF, "application/pdf", "PO 7781.pdf"),
        name="an octet-stream answer is typed by the file name",
    ),
    Case(
        "listAttachments",
        {"objectType": "credit note", "objectId": CREDIT_NOTE_ID},
        [
            Exchange(
                "GET",
                f"/CreditNotes/{CREDIT_NOTE_ID}/Attachments",
                response=envelope(Attachments=[ATTACHMENT]),
            )
        ],
        name="object type spelled loosely",
    ),
]
