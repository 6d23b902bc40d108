"""deleteInvoice: only drafts can be deleted, so look before posting ``Status: DELETED``.

Xero answers a DELETED status on an approved invoice with a terse validation error; reading the
invoice first costs one call and lets the user be told what to do instead (void it).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from component import errors
from component.context import ActionContext
from component.xero.errors import json_body

DELETABLE = ("DRAFT", "SUBMITTED")


async def run(ctx: ActionContext) -> Any:
    invoice_id: str = ctx.inputs["invoiceId"]
    path = f"/Invoices/{quote(invoice_id, safe='')}"
    found = await ctx.xero.get_json(path, what=f"deleteInvoice (GET {path})")
    invoices = found.get("Invoices") if isinstance(found, dict) else None
    invoice = invoices[0] if isinstance(invoices, list) and invoices else {}
    status = str(invoice.get("Status") or "").upper()
    if status not in DELETABLE:
        number = invoice.get("InvoiceNumber") or invoice_id
        hint = " Void it with voidInvoice instead." if status == "AUTHORISED" else ""
        raise errors.InputError.single(
            "invoiceId",
            f"invoice {number} is {status or 'of unknown status'}; only DRAFT or SUBMITTED "
            f"invoices can be deleted.{hint}",
            context="action deleteInvoice",
        )
    body = {"Invoices": [{"Status": "DELETED"}]}
    response = await ctx.xero.request("POST", path, json=body, what=f"deleteInvoice (POST {path})")
    return json_body(response, f"deleteInvoice (POST {path})")
