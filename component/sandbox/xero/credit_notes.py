"""``/CreditNotes``: list, get, create, void, allocate to invoices, and the PDF.

Xero's rules: a credit note is ACCRECCREDIT (to a customer) or ACCPAYCREDIT (from a supplier);
new ones are DRAFT, SUBMITTED or AUTHORISED; only an AUTHORISED credit note can be allocated, to
an AUTHORISED invoice of the same contact, currency and side, for at most the credit remaining
and the invoice's amount due. An allocation reduces the invoice's ``AmountDue`` (its
``AmountCredited`` grows; at zero the invoice is PAID) and the note's ``RemainingCredit``; a fully
allocated credit note is PAID. Voiding (``Status: VOIDED``) is allowed only while nothing is
allocated; a draft is deleted with ``Status: DELETED``.
"""

from __future__ import annotations

import uuid
from typing import Any

from starlette.responses import Response
from starlette.routing import Route

from component.sandbox.xero import doc_write, docs
from component.sandbox.xero import envelope as xe
from component.sandbox.xero.api import Ctx, endpoint
from component.sandbox.xero.invoice_write import elements_of
from component.sandbox.xero.lines import Invalid, a_date, number, text
from component.sandbox.xero.pdf import text_pdf
from component.sandbox.xero.records import HistoryEntry, Invoice, money
from component.sandbox.xero.where import Field
from component.sandbox.xero.world import XeroWorld

NAME, ID = "CreditNotes", "CreditNoteID"
TYPES = {"ACCRECCREDIT": "ACCREC", "ACCPAYCREDIT": "ACCPAY"}
CREATE_STATUSES = ("DRAFT", "SUBMITTED", "AUTHORISED")
FIELDS = {
    **docs.common_fields(ID),
    "creditnotenumber": Field("string", lambda d: d.get("CreditNoteNumber", "")),
    "remainingcredit": Field("number", lambda d: d.get("RemainingCredit", 0.0)),
}


def _number(ctx: Ctx) -> str:
    taken = {str(d.get("CreditNoteNumber", "")) for d in docs.table(ctx.org, NAME).values()}
    n = len(taken) + 1
    while f"CN-{n:04d}" in taken:
        n += 1
    return f"CN-{n:04d}"


def _new(ctx: Ctx, el: dict[str, Any]) -> dict[str, Any]:
    kind = el.get("Type")
    errors: list[str] = []
    if not isinstance(kind, str) or kind not in TYPES:
        errors.append("Credit note Type must be ACCRECCREDIT or ACCPAYCREDIT")
    status = str(el.get("Status") or "DRAFT").upper()
    if status not in CREATE_STATUSES:
        errors.append("Credit note not of valid status for creation")
    try:
        common = doc_write.body(
            ctx, el, TYPES.get(str(kind), "ACCREC"), need_lines=status == "AUTHORISED"
        )
    except Invalid as exc:
        errors.extend(exc.messages)
    if errors:
        raise Invalid(*errors)
    number = text(el.get("CreditNoteNumber"), "CreditNoteNumber", 255)
    doc: dict[str, Any] = {"Type": kind, ID: str(uuid.uuid4())}
    doc["CreditNoteNumber"] = number or (_number(ctx) if kind == "ACCRECCREDIT" else "")
    doc.update(common)
    doc.update({"Status": status, "RemainingCredit": common["Total"], "Allocations": []})
    doc.update({"Payments": [], "AppliedAmount": 0.0, "HasAttachments": False, "HasErrors": False})
    return doc


def create(ctx: Ctx) -> Response:
    made: list[dict[str, Any]] = []
    failed: list[dict[str, Any]] = []
    for el in elements_of(ctx.json(), NAME):
        try:
            if not isinstance(el, dict):
                raise Invalid("Each credit note must be an object")
            made.append(_new(ctx, el))
        except Invalid as exc:
            failed.append(xe.echo(el if isinstance(el, dict) else {}, exc.messages))
    if failed and ctx.flag("summarizeErrors", default=True):
        return xe.validation_error(failed)
    out = [docs.save(ctx, NAME, ID, doc) for doc in made]
    out += [f | {"HasErrors": True} for f in failed]
    return xe.json_response(xe.envelope(NAME, out, ctx.now))


def update(ctx: Ctx) -> Response:
    doc = docs.find(ctx, NAME, "CreditNoteID")
    elements = elements_of(ctx.json(), NAME)
    el = elements[0] if elements and isinstance(elements[0], dict) else {}
    status = str(el.get("Status") or doc["Status"]).upper()
    problem = _transition(doc, status)
    if problem:
        return xe.validation_error([xe.echo(el, [problem])])
    doc["Status"] = status
    if status in ("VOIDED", "DELETED"):
        doc["RemainingCredit"] = 0.0
    if "Reference" in el:
        doc["Reference"] = str(el["Reference"] or "")
    docs.save(ctx, NAME, ID, doc)
    return docs.one(ctx, NAME, doc)


def _transition(doc: dict[str, Any], status: str) -> str | None:
    current = doc["Status"]
    if status == current:
        return None
    if status == "VOIDED" and current == "AUTHORISED" and not doc["Allocations"]:
        return None
    if status == "VOIDED":
        return "This credit note cannot be voided as it has been allocated or is not approved."
    if status == "DELETED" and current in ("DRAFT", "SUBMITTED"):
        return None
    if status in ("SUBMITTED", "AUTHORISED") and current in ("DRAFT", "SUBMITTED"):
        return None
    return "Credit note not of valid status for modification"


def _allocation(ctx: Ctx, doc: dict[str, Any], el: Any, pending: float) -> tuple[Invoice, float]:
    if doc["Status"] != "AUTHORISED":
        raise Invalid("Only approved credit notes can be allocated.")
    if not isinstance(el, dict):
        raise Invalid("Each allocation must be an object")
    raw = el.get("Invoice")
    invoice_id = raw.get("InvoiceID") if isinstance(raw, dict) else None
    invoice = ctx.org.invoices.get(str(invoice_id or "").lower())
    if invoice is None:
        raise Invalid("The Invoice could not be found.")
    amount = number(el.get("Amount"), "Amount", None)
    if amount is None or amount <= 0:
        raise Invalid("The allocation amount must be greater than zero.")
    if invoice.status != "AUTHORISED" or invoice.type != TYPES[doc["Type"]]:
        raise Invalid("Credit notes can only be allocated to approved invoices of the same type.")
    if invoice.contact_id != doc["Contact"]["ContactID"] or invoice.currency != doc["CurrencyCode"]:
        raise Invalid("The invoice must have the same contact and currency as the credit note.")
    if money(amount) > money(doc["RemainingCredit"] - pending):
        raise Invalid("The amount allocated exceeds the credit remaining on the credit note.")
    if money(amount) > invoice.amount_due:
        raise Invalid("The amount allocated exceeds the amount due on the invoice.")
    return invoice, money(amount)


def allocate(ctx: Ctx) -> Response:
    doc = docs.find(ctx, NAME, "CreditNoteID")
    planned: list[tuple[dict[str, Any], Invoice, float]] = []
    failed: list[dict[str, Any]] = []
    pending = 0.0
    for el in elements_of(ctx.json(), "Allocations"):
        try:
            invoice, amount = _allocation(ctx, doc, el, pending)
            day = a_date(el.get("Date"), "Date") or ctx.now.date()  # el is a dict by now
        except Invalid as exc:
            failed.append(xe.echo(el if isinstance(el, dict) else {}, exc.messages))
            continue
        pending += amount
        planned.append(({"Date": xe.ms_date(day), "Amount": amount}, invoice, amount))
    if failed:
        return xe.validation_error(failed)
    out = [_apply(ctx, doc, row, invoice, amount) for row, invoice, amount in planned]
    docs.save(ctx, NAME, ID, doc)
    ctx.org.bump("invoices")
    return xe.json_response(xe.envelope("Allocations", out, ctx.now))


def _apply(
    ctx: Ctx, doc: dict[str, Any], row: dict[str, Any], invoice: Invoice, amount: float
) -> dict[str, Any]:
    invoice.amount_credited = money(invoice.amount_credited + amount)
    if invoice.amount_due <= 0:
        invoice.status, invoice.fully_paid_on = "PAID", ctx.now.date()
    invoice.updated = ctx.now
    doc["RemainingCredit"] = money(doc["RemainingCredit"] - amount)
    doc["AppliedAmount"] = money(doc.get("AppliedAmount", 0.0) + amount)
    if doc["RemainingCredit"] <= 0:
        doc["Status"], doc["FullyPaidOnDate"] = "PAID", xe.ms_date(ctx.now.date())
    allocation = {
        "AllocationID": str(uuid.uuid4()),
        "Invoice": {"InvoiceID": invoice.invoice_id, "InvoiceNumber": invoice.number},
        "CreditNote": {ID: doc[ID], "CreditNoteNumber": doc["CreditNoteNumber"]},
        "Amount": amount,
        "Date": row["Date"],
    }
    doc["Allocations"].append({k: v for k, v in allocation.items() if k != "CreditNote"})
    note = f"Credit note {doc['CreditNoteNumber']} allocated for {amount:.2f}"
    ctx.org.record_history(
        invoice.invoice_id, HistoryEntry("Credit Applied", note, "Sandbox API", ctx.now)
    )
    ctx.emit("INVOICE", invoice.invoice_id, "UPDATE")
    return allocation


def pdf(ctx: Ctx) -> Response:
    doc = docs.find(ctx, NAME, "CreditNoteID")
    lines = [
        ctx.org.name,
        f"CREDIT NOTE {doc['CreditNoteNumber']}",
        f"To: {doc['Contact']['Name']}",
        f"Total {doc['CurrencyCode']} {doc['Total']:.2f}",
        f"Remaining credit {doc['CurrencyCode']} {doc['RemainingCredit']:.2f}",
        f"Status {doc['Status']}",
    ]
    name = f"{doc['CreditNoteNumber'] or doc[ID]}.pdf"
    headers = {"Content-Disposition": f'inline; filename="{name}"'}
    return Response(text_pdf(lines), 200, media_type="application/pdf", headers=headers)


def routes(world: XeroWorld) -> list[Route]:
    def ep(handler: Any) -> Any:
        return endpoint(world, "invoices", handler)

    one = "/CreditNotes/{CreditNoteID}"
    return [
        Route("/CreditNotes", ep(lambda ctx: docs.listing(ctx, NAME, ID, FIELDS)), methods=["GET"]),
        Route("/CreditNotes", ep(create), methods=["PUT", "POST"]),
        Route(
            one,
            ep(lambda ctx: docs.one(ctx, NAME, docs.find(ctx, NAME, "CreditNoteID"))),
            methods=["GET"],
        ),
        Route(one, ep(update), methods=["POST"]),
        Route(one + "/Allocations", ep(allocate), methods=["PUT"]),
        Route(one + "/pdf", ep(pdf), methods=["GET"]),
    ]
