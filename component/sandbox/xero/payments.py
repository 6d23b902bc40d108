"""``/Payments``: paged list, get one, apply payments to invoices, reverse them.

A payment may not exceed what is outstanding and only applies to AUTHORISED invoices; when the
amount due reaches zero the invoice becomes PAID (``FullyPaidOnDate`` set). Reversing is
``POST /Payments/{id}`` with ``{"Status": "DELETED"}`` (bare or wrapped in ``Payments``), which
restores the amount due and turns a PAID invoice back into AUTHORISED. Each change to an invoice
fires an INVOICE UPDATE webhook (Xero has no PAYMENT webhook category).
"""

from __future__ import annotations

import uuid
from typing import Any

from starlette.responses import Response
from starlette.routing import Route

from component.sandbox.xero import envelope as xe
from component.sandbox.xero import query, render
from component.sandbox.xero.api import Ctx, endpoint
from component.sandbox.xero.invoice_write import elements_of
from component.sandbox.xero.lines import Invalid, a_date, boolean, number, text
from component.sandbox.xero.records import Account, HistoryEntry, Invoice, Payment, money
from component.sandbox.xero.where import Field, FieldTable, as_datetime
from component.sandbox.xero.world import XeroWorld


def fields() -> FieldTable:
    return {
        "paymentid": Field("guid", lambda p: p.payment_id),
        "status": Field("string", lambda p: p.status),
        "paymenttype": Field("string", lambda p: p.payment_type),
        "amount": Field("number", lambda p: p.amount),
        "date": Field("date", lambda p: as_datetime(p.date)),
        "reference": Field("string", lambda p: p.reference),
        "isreconciled": Field("bool", lambda p: p.is_reconciled),
        "invoice.invoiceid": Field("guid", lambda p: p.invoice_id),
        "account.accountid": Field("guid", lambda p: p.account_id),
        "updateddateutc": Field("date", lambda p: p.updated),
    }


def find(ctx: Ctx) -> Payment:
    payment = ctx.org.payments.get(str(ctx.params.get("PaymentID", "")).lower())
    if payment is None:
        raise xe.XeroProblem(xe.not_found())
    return payment


def list_payments(ctx: Ctx) -> Response:
    org = ctx.org
    since = query.modified_since(ctx)
    modified = query.updated_after(since)
    matched = query.select(
        ctx,
        "payments",
        lambda: org.payments.values(),
        fields,
        "Payment",
        [modified] if modified else [],
        (since,),
        lambda p: p.payment_id,
        org.payments.get,
    )
    paged = query.paging(ctx)
    if paged is None:
        items = [render.payment(org, p) for p in matched]
        return xe.json_response(xe.envelope("Payments", items, ctx.now))
    page, size = paged
    items = [render.payment(org, p) for p in query.page_of(matched, page, size)]
    return xe.json_response(
        xe.envelope("Payments", items, ctx.now, pagination=xe.pagination(page, size, len(matched)))
    )


def get_payment(ctx: Ctx) -> Response:
    return xe.json_response(xe.envelope("Payments", [render.payment(ctx.org, find(ctx))], ctx.now))


def _invoice(ctx: Ctx, raw: Any) -> Invoice:
    if not isinstance(raw, dict) or not (raw.get("InvoiceID") or raw.get("InvoiceNumber")):
        raise Invalid("You must specify an Invoice for the payment.")
    found = None
    if raw.get("InvoiceID"):
        found = ctx.org.invoices.get(str(raw["InvoiceID"]).lower())
    elif isinstance(raw.get("InvoiceNumber"), str):
        found = ctx.org.invoice_by_number(raw["InvoiceNumber"])
    if found is None:
        raise Invalid("The Invoice could not be found.")
    if found.status != "AUTHORISED":
        raise Invalid("Payments can only be made against Authorised documents.")
    return found


def _account(ctx: Ctx, raw: Any) -> Account:
    if not isinstance(raw, dict) or not (raw.get("AccountID") or raw.get("Code")):
        raise Invalid("An Account must be specified for the payment.")
    if raw.get("AccountID"):
        account = ctx.org.accounts.get(str(raw["AccountID"]).lower())
    else:
        account = ctx.org.account_by_code(str(raw["Code"]))
    if account is None:
        raise Invalid(
            f"Account code '{raw.get('Code') or raw.get('AccountID')}' is not a valid "
            "code for this document."
        )
    if account.type != "BANK" and not account.enable_payments:
        raise Invalid("Account type is invalid for making a payment to/from")
    return account


def _plan(ctx: Ctx, el: dict[str, Any], pending: dict[str, float]) -> Payment:
    errors: list[str] = []
    invoice = account = when = amount = None
    for check in ("invoice", "account", "date", "amount"):
        try:
            if check == "invoice":
                invoice = _invoice(ctx, el.get("Invoice"))
            elif check == "account":
                account = _account(ctx, el.get("Account"))
            elif check == "date":
                when = a_date(el.get("Date"), "Date") or ctx.now.date()
            else:
                amount = number(el.get("Amount"), "Amount", None)
        except Invalid as exc:
            errors.extend(exc.messages)
    if amount is None or amount <= 0:
        errors.append("The payment amount must be greater than zero.")
    elif invoice is not None:
        outstanding = money(invoice.amount_due - pending.get(invoice.invoice_id, 0.0))
        if money(amount) > outstanding:
            errors.append("Payment amount exceeds the amount outstanding on this document.")
    if errors or invoice is None or account is None or when is None or amount is None:
        raise Invalid(*errors)
    pending[invoice.invoice_id] = pending.get(invoice.invoice_id, 0.0) + money(amount)
    return Payment(
        payment_id=str(uuid.uuid4()),
        invoice_id=invoice.invoice_id,
        account_id=account.account_id,
        date=when,
        amount=money(amount),
        updated=ctx.now,
        reference=text(el.get("Reference"), "Reference", 255),
        payment_type="ACCRECPAYMENT" if invoice.type == "ACCREC" else "ACCPAYPAYMENT",
        currency_rate=float(
            number(el.get("CurrencyRate"), "CurrencyRate", invoice.currency_rate)
            or invoice.currency_rate
        ),
        is_reconciled=boolean(el.get("IsReconciled"), "IsReconciled", False),
    )


def _apply(ctx: Ctx, payment: Payment) -> None:
    org = ctx.org
    invoice = org.invoices[payment.invoice_id]
    org.payments[payment.payment_id] = payment
    invoice.payment_ids = [*invoice.payment_ids, payment.payment_id]
    invoice.amount_paid = money(invoice.amount_paid + payment.amount)
    if invoice.amount_due <= 0:
        invoice.status, invoice.fully_paid_on = "PAID", payment.date
    invoice.updated = ctx.now
    org.record_history(
        invoice.invoice_id,
        HistoryEntry(
            "Paid" if invoice.status == "PAID" else "Payment",
            f"Payment received of {payment.amount:.2f}",
            "Sandbox API",
            ctx.now,
        ),
    )
    ctx.emit("INVOICE", invoice.invoice_id, "UPDATE")


def create(ctx: Ctx) -> Response:
    elements = elements_of(ctx.json(), "Payments")
    summarize = ctx.flag("summarizeErrors", default=True)
    pending: dict[str, float] = {}
    plans: list[tuple[dict[str, Any], Payment | None, list[str]]] = []
    for el in elements:
        if not isinstance(el, dict):
            plans.append(({}, None, ["Each payment must be an object"]))
            continue
        try:
            plans.append((el, _plan(ctx, el, pending), []))
        except Invalid as exc:
            plans.append((el, None, exc.messages))
    failed = [(el, errs) for el, _p, errs in plans if errs]
    if failed and summarize:
        return xe.validation_error([xe.echo(el, errs) for el, errs in failed])
    out: list[dict[str, Any]] = []
    for el, payment, errs in plans:
        if payment is None:
            out.append(xe.echo(el, errs) | {"HasValidationErrors": True})
            continue
        _apply(ctx, payment)
        out.append(render.payment(ctx.org, payment))
    ctx.org.bump("payments")
    ctx.org.bump("invoices")
    return xe.json_response(xe.envelope("Payments", out, ctx.now))


def _deletion(body: Any) -> Any:
    """The payment change in a ``POST /Payments/{id}`` body: the bare ``{"Status": "DELETED"}``
    of the spec's schema, or ``{"Payments": [{"Status": "DELETED"}]}`` as in the spec's own
    example and the official SDKs' ``delete_payment`` (Xero accepts both)."""
    if isinstance(body, dict) and isinstance(body.get("Payments"), list):
        wrapped = body["Payments"]
        return wrapped[0] if len(wrapped) == 1 else None
    return body


def delete(ctx: Ctx) -> Response:
    payment = find(ctx)
    body = _deletion(ctx.json())
    status = body.get("Status") if isinstance(body, dict) else None
    if not isinstance(status, str) or status.upper() != "DELETED":
        return xe.validation_messages(
            ["Payments can only be updated to Status DELETED."],
            body if isinstance(body, dict) else None,
        )
    if payment.status == "DELETED":
        return xe.validation_messages(["This payment has already been deleted."])
    invoice = ctx.org.invoices.get(payment.invoice_id)
    payment.status, payment.updated = "DELETED", ctx.now
    if invoice is not None:
        invoice.amount_paid = money(invoice.amount_paid - payment.amount)
        invoice.payment_ids = [p for p in invoice.payment_ids if p != payment.payment_id]
        if invoice.status == "PAID" and invoice.amount_due > 0:
            invoice.status, invoice.fully_paid_on = "AUTHORISED", None
        invoice.updated = ctx.now
        ctx.org.record_history(
            invoice.invoice_id,
            HistoryEntry(
                "Payment Deleted",
                f"Payment of {payment.amount:.2f} deleted",
                "Sandbox API",
                ctx.now,
            ),
        )
        ctx.emit("INVOICE", invoice.invoice_id, "UPDATE")
    ctx.org.bump("payments")
    ctx.org.bump("invoices")
    return xe.json_response(xe.envelope("Payments", [render.payment(ctx.org, payment)], ctx.now))


def routes(world: XeroWorld) -> list[Route]:
    def ep(handler: Any) -> Any:
        return endpoint(world, "payments", handler)

    return [
        Route("/Payments", ep(list_payments), methods=["GET"]),
        Route("/Payments", ep(create), methods=["PUT", "POST"]),
        Route("/Payments/{PaymentID}", ep(get_payment), methods=["GET"]),
        Route("/Payments/{PaymentID}", ep(delete), methods=["POST"]),
    ]
