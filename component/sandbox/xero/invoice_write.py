"""Creating and updating invoices with Xero's validation, status rules and bulk semantics.

- ``PUT /Invoices`` only creates; ``POST /Invoices`` creates or updates (by InvoiceID or an
  existing InvoiceNumber); ``POST /Invoices/{id}`` updates that invoice.
- New invoices may be DRAFT, SUBMITTED or AUTHORISED; anything else is "Invoice not of valid status
  for creation". Updates follow Xero's transitions: drafts may be submitted, approved or DELETED;
  AUTHORISED may only become VOIDED (and only without payments); PAID comes from payments alone;
  PAID, VOIDED and DELETED invoices cannot be edited.
- ``summarizeErrors`` (default true): one bad element fails the whole request with 400 and nothing
  is saved. With ``summarizeErrors=false`` the good elements are saved and the bad ones come back
  in the 200 with ``HasErrors`` and their ``ValidationErrors``.
"""

from __future__ import annotations

import copy
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

from starlette.responses import Response

from component.sandbox.xero import envelope as xe
from component.sandbox.xero import render
from component.sandbox.xero.api import Ctx
from component.sandbox.xero.contact_write import ensure_contact
from component.sandbox.xero.lines import Invalid, a_date, boolean, build_lines, text, totals
from component.sandbox.xero.records import INVOICE_TYPES, LINE_AMOUNT_TYPES, HistoryEntry, Invoice

CREATE_STATUSES = ("DRAFT", "SUBMITTED", "AUTHORISED")
TRANSITIONS = {
    "DRAFT": {"DRAFT", "SUBMITTED", "AUTHORISED", "DELETED"},
    "SUBMITTED": {"SUBMITTED", "DRAFT", "AUTHORISED", "DELETED"},
    "AUTHORISED": {"AUTHORISED", "VOIDED"},
}
LOCKED = {
    "PAID": "This document cannot be edited as it has a payment or credit note allocated to it.",
    "VOIDED": "Invoice not of valid status for modification",
    "DELETED": "Invoice not of valid status for modification",
}
CHANGE_WORDS = {
    "AUTHORISED": "Approved",
    "SUBMITTED": "Submitted",
    "VOIDED": "Voided",
    "DELETED": "Deleted",
    "DRAFT": "Edited",
}


@dataclass
class Plan:
    element: dict[str, Any]
    invoice: Invoice | None = None  # the new or updated invoice (not yet stored)
    existing: Invoice | None = None
    contact: dict[str, Any] | None = None  # a contact to find-or-create by name on apply
    errors: list[str] | None = None


def elements_of(body: Any, key: str) -> list[Any]:
    """``{"Invoices": [...]}``, or a bare object, as a list; else the 400 Xero sends."""
    if isinstance(body, dict) and isinstance(body.get(key), list):
        return list(body[key])
    if isinstance(body, dict) and key not in body:
        return [body]
    raise xe.XeroProblem(xe.post_data_invalid(f"The request does not contain a valid {key} array"))


def write(ctx: Ctx, *, create: bool, update: bool, target: Invoice | None = None) -> Response:
    elements = elements_of(ctx.json(), "Invoices")
    summarize = ctx.flag("summarizeErrors", default=True)
    numbers: set[str] = set()
    plans = [_plan(ctx, el, create, update, target, numbers) for el in elements]
    failed = [p for p in plans if p.errors]
    if failed and summarize:
        return xe.validation_error([_echo(p) for p in failed])
    out: list[dict[str, Any]] = []
    for plan in plans:
        if plan.errors:
            out.append(_echo(plan) | {"HasErrors": True, "StatusAttributeString": "ERROR"})
            continue
        out.append(render.invoice(ctx.org, _apply(ctx, plan)))
    if any(not p.errors for p in plans):
        ctx.org.bump("invoices")
    return xe.json_response(xe.envelope("Invoices", out, ctx.now))


def _echo(plan: Plan) -> dict[str, Any]:
    return xe.echo(plan.element if isinstance(plan.element, dict) else {}, plan.errors or [])


def _plan(
    ctx: Ctx, element: Any, create: bool, update: bool, target: Invoice | None, numbers: set[str]
) -> Plan:
    if not isinstance(element, dict):
        return Plan({}, errors=["Each invoice must be an object"])
    plan = Plan(element)
    existing = target or _find(ctx, element, by_number=update)
    if existing is not None and not update:
        plan.errors = ["An invoice with this InvoiceID already exists; use POST to update it"]
        return plan
    if existing is None and not create:
        raise xe.XeroProblem(xe.not_found())
    if existing is None and element.get("InvoiceID"):
        raise xe.XeroProblem(xe.not_found())
    errors: list[str] = []
    try:
        if existing is None:
            plan.invoice = _new(ctx, element, plan, errors)
        else:
            plan.existing = existing
            plan.invoice = _changed(ctx, existing, element, plan, errors)
        if plan.invoice is not None:
            _check_number(ctx, plan.invoice, existing, numbers, errors)
    except Invalid as exc:
        errors.extend(exc.messages)
    plan.errors = errors or None
    return plan


def _find(ctx: Ctx, element: dict[str, Any], *, by_number: bool) -> Invoice | None:
    """The invoice an element refers to: by InvoiceID, or (create-or-update) InvoiceNumber."""
    invoice_id = element.get("InvoiceID")
    if isinstance(invoice_id, str) and invoice_id:
        return ctx.org.invoices.get(invoice_id.lower())
    number = element.get("InvoiceNumber")
    if by_number and isinstance(number, str) and number:
        found = ctx.org.invoice_by_number(number)
        if found is not None and found.type == element.get("Type", found.type):
            return found
    return None


def _collect(errors: list[str], check: Callable[[], Any]) -> Any:
    try:
        return check()
    except Invalid as exc:
        errors.extend(exc.messages)
        return None


def _new(ctx: Ctx, el: dict[str, Any], plan: Plan, errors: list[str]) -> Invoice | None:
    org = ctx.org
    kind = el.get("Type")
    if kind not in INVOICE_TYPES:
        errors.append(
            "Invoice Type must be specified and be ACCREC or ACCPAY"
            if not kind
            else f"Invoice type '{kind}' is not valid for this endpoint"
        )
    status = str(el.get("Status") or "DRAFT").upper()
    if status not in CREATE_STATUSES:
        errors.append("Invoice not of valid status for creation")
    contact_id = _collect(errors, lambda: _contact(ctx, el.get("Contact"), plan))
    amount_types = _amount_types(el.get("LineAmountTypes"), errors)
    currency = _currency(ctx, el.get("CurrencyCode"), errors)
    issued = _collect(errors, lambda: a_date(el.get("Date"), "Date")) or ctx.now.date()
    due = _collect(errors, lambda: a_date(el.get("DueDate"), "DueDate"))
    lines = (
        _collect(
            errors, lambda: build_lines(org, el.get("LineItems") or [], str(kind), amount_types)
        )
        or []
    )
    if status == "AUTHORISED" and not lines and not errors:
        errors.append("Invoices must have at least one line item to be approved")
    if status in ("AUTHORISED", "SUBMITTED") and due is None and kind == "ACCREC":
        errors.append("Due Date is required for invoices awaiting approval or approved")
    if errors:
        return None
    sub_total, tax, total = totals(lines, amount_types)
    # an unnumbered sale gets its number on apply, so a failed batch uses no numbers
    return Invoice(
        invoice_id=str(uuid.uuid4()),
        type=str(kind),
        status=status,
        contact_id=contact_id or "",
        number=text(el.get("InvoiceNumber"), "InvoiceNumber", 255),
        reference=text(el.get("Reference"), "Reference", 255),
        date=issued,
        due_date=due,
        currency=currency,
        currency_rate=1.0,
        line_amount_types=amount_types,
        lines=lines,
        sub_total=sub_total,
        total_tax=tax,
        total=total,
        updated=ctx.now,
        created_by=ctx.token.client_id,
        sent_to_contact=boolean(el.get("SentToContact"), "SentToContact", False),
        expected_payment_date=a_date(el.get("ExpectedPaymentDate"), "ExpectedPaymentDate"),
        url=text(el.get("Url"), "Url"),
    )


def _changed(
    ctx: Ctx, old: Invoice, el: dict[str, Any], plan: Plan, errors: list[str]
) -> Invoice | None:
    if old.status in LOCKED:
        raise Invalid(LOCKED[old.status])
    new = copy.copy(old)
    new.lines = list(old.lines)
    status = str(el.get("Status") or old.status).upper()
    if status not in TRANSITIONS.get(old.status, set()):
        errors.append("Invoice not of valid status for modification")
    if status == "VOIDED" and old.amount_paid > 0:
        errors.append("This document cannot be voided as it has payments allocated to it.")
    new.status = status
    if "Contact" in el:
        new.contact_id = _collect(errors, lambda: _contact(ctx, el["Contact"], plan)) or ""
    if "LineAmountTypes" in el:
        new.line_amount_types = _amount_types(el["LineAmountTypes"], errors)
    if "CurrencyCode" in el:
        new.currency = _currency(ctx, el["CurrencyCode"], errors)
    for field, attr in (
        ("Date", "date"),
        ("DueDate", "due_date"),
        ("ExpectedPaymentDate", "expected_payment_date"),
    ):
        if field in el:
            value = _collect(errors, partial(a_date, el[field], field))
            setattr(new, attr, value if value or attr != "date" else old.date)
    if "Reference" in el:
        new.reference = _collect(errors, lambda: text(el["Reference"], "Reference", 255)) or ""
    if "Url" in el:
        new.url = _collect(errors, lambda: text(el["Url"], "Url")) or ""
    if el.get("InvoiceNumber"):
        new.number = _collect(errors, lambda: text(el["InvoiceNumber"], "InvoiceNumber", 255)) or ""
    if "SentToContact" in el:
        new.sent_to_contact = bool(
            _collect(errors, lambda: boolean(el["SentToContact"], "SentToContact", False))
        )
    if "LineItems" in el or "LineAmountTypes" in el:
        if old.amount_paid > 0:
            errors.append(LOCKED["PAID"])
        raw = el.get("LineItems") if "LineItems" in el else [_line_json(x) for x in old.lines]
        lines = _collect(
            errors, lambda: build_lines(ctx.org, raw or [], new.type, new.line_amount_types)
        )
        if lines is not None:
            new.lines = lines
            new.sub_total, new.total_tax, new.total = totals(lines, new.line_amount_types)
    if errors:
        return None
    new.updated = ctx.now
    return new


def _line_json(line: Any) -> dict[str, Any]:
    return {
        "LineItemID": line.line_item_id,
        "Description": line.description,
        "Quantity": line.quantity,
        "UnitAmount": line.unit_amount,
        "AccountCode": line.account_code,
        "TaxType": line.tax_type,
        "ItemCode": line.item_code or None,
        "DiscountRate": line.discount_rate,
    }


def _contact(ctx: Ctx, raw: Any, plan: Plan) -> str | None:
    if not isinstance(raw, dict) or not any(
        raw.get(k) for k in ("ContactID", "Name", "ContactNumber")
    ):
        raise Invalid("A Contact must be specified for this type of transaction")
    contact_id = raw.get("ContactID")
    if contact_id:
        found = ctx.org.contacts.get(str(contact_id).lower())
        if found is None:
            raise Invalid("The contact with the specified ContactID could not be found")
        return found.contact_id
    number = raw.get("ContactNumber")
    if number:
        for contact in ctx.org.contacts.values():
            if contact.contact_number == number:
                return contact.contact_id
        if not raw.get("Name"):
            raise Invalid("The contact with the specified ContactNumber could not be found")
    found = ctx.org.contact_by_name(str(raw["Name"]))
    if found is not None:
        return found.contact_id
    plan.contact = raw  # Xero creates a contact for a name it does not know
    return None


def _amount_types(value: Any, errors: list[str]) -> str:
    if value in (None, ""):
        return "Exclusive"
    for known in LINE_AMOUNT_TYPES:
        if isinstance(value, str) and value.lower() == known.lower():
            return known
    errors.append(f"LineAmountTypes '{value}' is not valid")
    return "Exclusive"


def _currency(ctx: Ctx, value: Any, errors: list[str]) -> str:
    if value in (None, ""):
        return ctx.org.base_currency
    code = str(value).upper()
    if code not in ctx.org.currencies:
        errors.append(f"Organisation is not subscribed to currency {code}")
    return code


def _check_number(
    ctx: Ctx, invoice: Invoice, existing: Invoice | None, numbers: set[str], errors: list[str]
) -> None:
    if invoice.type != "ACCREC" or not invoice.number:
        return
    folded = invoice.number.casefold()
    other = ctx.org.invoice_by_number(invoice.number)
    if folded in numbers or (other is not None and other is not existing):
        errors.append("Invoice # must be unique.")
    numbers.add(folded)


def _apply(ctx: Ctx, plan: Plan) -> Invoice:
    org, invoice = ctx.org, plan.invoice
    assert invoice is not None
    if plan.contact is not None:
        invoice.contact_id = ensure_contact(ctx, plan.contact)[0].contact_id
    old = plan.existing
    contact = org.contacts.get(invoice.contact_id)
    if old is None:
        if not invoice.number and invoice.type == "ACCREC":
            invoice.number = org.next_invoice_number()
        org.add_invoice(invoice)
        change = "Created"
        ctx.emit("INVOICE", invoice.invoice_id, "CREATE")
        stored = invoice
    else:
        change = (
            CHANGE_WORDS.get(invoice.status, "Edited") if invoice.status != old.status else "Edited"
        )
        new_number, invoice.number = invoice.number, old.number
        for slot in Invoice.__slots__:
            setattr(old, slot, getattr(invoice, slot))
        org.renumber(old, new_number)
        ctx.emit("INVOICE", old.invoice_id, "UPDATE")
        stored = old
    who = contact.name if contact else ""
    details = f"{stored.number or 'Invoice'} to {who} for {stored.total:.2f}."
    org.record_history(stored.invoice_id, HistoryEntry(change, details, "Sandbox API", ctx.now))
    return stored
