"""Attachment actions against the sandbox: bytes in, the same bytes out."""

from __future__ import annotations

import base64

from component.values import Binary
from tests.actions.scenarios import scenario
from tests.actions.scenarios.invoices import new_invoice
from tests.xero.sandboxed import Sandboxed

PDF = b"%PDF-1.7\n% purchase order 7781\n"


@scenario("createAttachment", "listAttachments", "getAttachment")
async def round_trip(sb: Sandboxed) -> None:
    invoice = await new_invoice(sb)
    where = {"objectType": "Invoices", "objectId": invoice["InvoiceID"]}
    created = await sb.run(
        "createAttachment",
        {
            **where,
            "fileName": "PO 7781.pdf",
            "contentType": "application/pdf",
            "file": base64.b64encode(PDF).decode(),
        },
    )
    assert created["Attachments"][0]["FileName"] == "PO 7781.pdf"
    listed = await sb.run("listAttachments", {**where, "objectType": "invoice"})
    assert [a["FileName"] for a in listed["Attachments"]] == ["PO 7781.pdf"]
    got = await sb.run("getAttachment", {**where, "fileName": "PO 7781.pdf"})
    assert got == Binary(PDF, "application/pdf", "PO 7781.pdf")
