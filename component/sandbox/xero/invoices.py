"""``/Invoices``: list (where/order/Statuses/IDs/paging/...), get one, create, update, and the
per-invoice endpoints OnlineInvoice, Email and pdf.
"""

from __future__ import annotations

import hashlib
from typing import Any

from starlette.responses import Response
from starlette.routing import Route

from component.sandbox.xero import envelope as xe
from component.sandbox.xero import invoice_write, query, render
from component.sandbox.xero.api import Ctx, endpoint
from component.sandbox.xero.org import Org
from component.sandbox.xero.pdf import invoice_pdf
from component.sandbox.xero.records import Invoice
from component.sandbox.xero.where import Field, FieldTable, as_datetime
from component.sandbox.xero.world import XeroWorld

EMAILABLE = ("AUTHORISED", "SUBMITTED", "PAID")


def fields(org: Org) -> FieldTable:
    contacts = org.contacts

    def contact_name(inv: Invoice) -> str:
        contact = contacts.get(inv.contact_id)
        return contact.name if contact else ""

    return {
        "type": Field("string", lambda i: i.type),
        "status": Field("string", lambda i: i.status),
        "invoiceid": Field("guid", lambda i: i.invoice_id),
        "invoicenumber": Field("string", lambda i: i.number),
        "reference": Field("string", lambda i: i.reference),
        "amountdue": Field("number", lambda i: i.amount_due),
        "amountpaid": Field("number", lambda i: i.amount_paid),
        "amountcredited": Field("number", lambda i: i.amount_credited),
        "total": Field("number", lambda i: i.total),
        "subtotal": Field("number", lambda i: i.sub_total),
        "totaltax": Field("number", lambda i: i.total_tax),
        "date": Field("date", lambda i: as_datetime(i.date)),
        "duedate": Field("date", lambda i: as_datetime(i.due_date)),
        "fullypaidondate": Field("date", lambda i: as_datetime(i.fully_paid_on)),
        "expectedpaymentdate": Field("date", lambda i: as_datetime(i.expected_payment_date)),
        "updateddateutc": Field("date", lambda i: i.updated),
        "currencycode": Field("string", lambda i: i.currency),
        "senttocontact": Field("bool", lambda i: i.sent_to_contact),
        "hasattachments": Field("bool", lambda i: i.has_attachments),
        "contact.contactid": Field("guid", lambda i: i.contact_id),
        "contact.name": Field("string", contact_name),
    }


def find(ctx: Ctx) -> Invoice:
    """The invoice named in the path by InvoiceID or InvoiceNumber (Xero accepts both)."""
    key = str(ctx.params.get("InvoiceID", ""))
    invoice = ctx.org.invoices.get(key.lower()) or ctx.org.invoice_by_number(key)
    if invoice is None:
        raise xe.XeroProblem(xe.not_found())
    return invoice


def list_invoices(ctx: Ctx) -> Response:
    org = ctx.org
    statuses = {s.upper() for s in query.csv(ctx.query("Statuses"))}
    ids = {s.lower() for s in query.csv(ctx.query("IDs"))}
    numbers = {s.casefold() for s in query.csv(ctx.query("InvoiceNumbers"))}
    contact_ids = {s.lower() for s in query.csv(ctx.query("ContactIDs"))}
    term = (ctx.query("searchTerm") or "").strip().casefold()
    since = query.modified_since(ctx)
    mine = ctx.token.client_id if ctx.flag("createdByMyApp") else None
    tests: list[Any] = []
    if statuses:
        tests.append(lambda i: i.status in statuses)
    if ids:
        tests.append(lambda i: i.invoice_id in ids)
    if numbers:
        tests.append(lambda i: i.number.casefold() in numbers)
    if contact_ids:
        tests.append(lambda i: i.contact_id in contact_ids)
    if term:
        tests.append(lambda i: term in i.number.casefold() or term in i.reference.casefold())
    if mine is not None:
        tests.append(lambda i: i.created_by == mine)
    modified = query.updated_after(since)
    if modified is not None:
        tests.append(modified)
    key = (
        frozenset(statuses),
        frozenset(ids),
        frozenset(numbers),
        frozenset(contact_ids),
        term,
        since,
        mine,
    )
    matched = query.select(
        ctx,
        "invoices",
        lambda: org.invoices.values(),
        lambda: fields(org),
        "Invoice",
        tests,
        key,
        lambda i: i.invoice_id,
        org.invoices.get,
    )
    summary = ctx.flag("summaryOnly")
    paged = query.paging(ctx)
    if paged is None:
        mode: render.InvoiceMode = "summary" if summary else "unpaged"
        items = [render.invoice(org, inv, mode) for inv in matched]
        return xe.json_response(xe.envelope("Invoices", items, ctx.now))
    page, size = paged
    mode = "summary" if summary else "paged"
    items = [render.invoice(org, inv, mode) for inv in query.page_of(matched, page, size)]
    body = xe.envelope(
        "Invoices", items, ctx.now, pagination=xe.pagination(page, size, len(matched))
    )
    return xe.json_response(body)


def get_invoice(ctx: Ctx) -> Response:
    invoice = find(ctx)
    if "application/pdf" in ctx.request.headers.get("accept", ""):
        return _pdf(ctx, invoice)
    return xe.json_response(xe.envelope("Invoices", [render.invoice(ctx.org, invoice)], ctx.now))


def create(ctx: Ctx) -> Response:
    return invoice_write.write(ctx, create=True, update=False)


def create_or_update(ctx: Ctx) -> Response:
    return invoice_write.write(ctx, create=True, update=True)


def update_one(ctx: Ctx) -> Response:
    return invoice_write.write(ctx, create=False, update=True, target=find(ctx))


def online_invoice(ctx: Ctx) -> Response:
    invoice = find(ctx)
    if invoice.type != "ACCREC":
        raise xe.XeroProblem(
            xe.validation_messages(
                ["Online invoices are only available for sales invoices (ACCREC)"]
            )
        )
    if invoice.status in ("DRAFT", "DELETED"):
        raise xe.XeroProblem(
            xe.validation_messages(
                ["Online invoices are not available for draft or deleted invoices"]
            )
        )
    token = hashlib.sha256(f"{ctx.org.tenant_id}:{invoice.invoice_id}".encode()).hexdigest()
    url = f"https://in.xero.com/{token[:40]}"
    return xe.json_response(xe.envelope("OnlineInvoices", [{"OnlineInvoiceUrl": url}], ctx.now))


def email(ctx: Ctx) -> Response:
    invoice = find(ctx)
    contact = ctx.org.contacts.get(invoice.contact_id)
    if invoice.type != "ACCREC" or invoice.status not in EMAILABLE:
        raise xe.XeroProblem(
            xe.validation_messages(
                ["Invoice must be a sales invoice that is approved, awaiting payment or paid"]
            )
        )
    if contact is None or not contact.email:
        raise xe.XeroProblem(
            xe.validation_messages(["The contact does not have a valid email address"])
        )
    if not invoice.sent_to_contact:
        invoice.sent_to_contact = True
        invoice.updated = ctx.now
        ctx.org.bump("invoices")
    return Response(status_code=204)


def pdf(ctx: Ctx) -> Response:
    return _pdf(ctx, find(ctx))


def _pdf(ctx: Ctx, invoice: Invoice) -> Response:
    contact = ctx.org.contacts.get(invoice.contact_id)
    body = invoice_pdf(ctx.org, invoice, contact.name if contact else "")
    name = f"{invoice.number or invoice.invoice_id}.pdf"
    return Response(
        body,
        200,
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="{name}"'},
    )


def routes(world: XeroWorld) -> list[Route]:
    def ep(handler: Any) -> Any:
        return endpoint(world, "invoices", handler)

    return [
        Route("/Invoices", ep(list_invoices), methods=["GET"]),
        Route("/Invoices", ep(create), methods=["PUT"]),
        Route("/Invoices", ep(create_or_update), methods=["POST"]),
        Route("/Invoices/{InvoiceID}", ep(get_invoice), methods=["GET"]),
        Route("/Invoices/{InvoiceID}", ep(update_one), methods=["POST"]),
        Route("/Invoices/{InvoiceID}/OnlineInvoice", ep(online_invoice), methods=["GET"]),
        Route("/Invoices/{InvoiceID}/Email", ep(email), methods=["POST"]),
        Route("/Invoices/{InvoiceID}/pdf", ep(pdf), methods=["GET"]),
    ]
