"""payInvoice: the account and the invoice may each be given by id or by code/number.

The reference component's Account ID input is often filled with an account code ("090"), which
Xero accepts only as ``Account.Code``; a GUID goes as ``Account.AccountID``. The same holds for
the invoice (``InvoiceID`` or ``InvoiceNumber``). Without a date, the payment is dated today in
the organisation's time zone, as the Xero app would.
"""

from __future__ import annotations

from typing import Any

from component.context import ActionContext
from component.spec.templates import convert
from component.xero import where
from component.xero.errors import json_body
from component.xero.organisation import organisation_today


async def run(ctx: ActionContext) -> Any:
    account_ref = ctx.inputs["accountId"].strip()
    invoice_ref = ctx.inputs["invoiceId"].strip()
    date_text = ctx.inputs.get("dateString")
    payment = {
        "Invoice": _reference(invoice_ref, "InvoiceID", "InvoiceNumber"),
        "Account": _reference(account_ref, "AccountID", "Code"),
        "Date": convert("dateString", date_text, "date")
        if date_text
        else (await organisation_today(ctx.xero)).isoformat(),
        "Amount": convert("paymentAmount", ctx.inputs["paymentAmount"], "number"),
    }
    what = "payInvoice (PUT /Payments)"
    response = await ctx.xero.request("PUT", "/Payments", json={"Payments": [payment]}, what=what)
    return json_body(response, what)


def _reference(value: str, id_field: str, code_field: str) -> dict[str, str]:
    return {id_field: value} if where.is_guid(value) else {code_field: value}
