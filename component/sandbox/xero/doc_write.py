"""What credit notes, quotes and bank transactions share when they are written: the contact,
line items and totals, dates, and the rendered common fields, validated in Xero's words."""

from __future__ import annotations

from datetime import date
from typing import Any

from component.sandbox.xero import envelope as xe
from component.sandbox.xero import render
from component.sandbox.xero.api import Ctx
from component.sandbox.xero.lines import Invalid, a_date, build_lines, text, totals
from component.sandbox.xero.records import LINE_AMOUNT_TYPES, Contact


def contact(ctx: Ctx, raw: Any) -> Contact:
    """The document's contact, by ContactID (or an existing contact's Name)."""
    if not isinstance(raw, dict) or not (raw.get("ContactID") or raw.get("Name")):
        raise Invalid("A Contact must be specified for this type of transaction")
    if raw.get("ContactID"):
        found = ctx.org.contacts.get(str(raw["ContactID"]).lower())
    else:
        found = ctx.org.contact_by_name(str(raw["Name"]))
    if found is None:
        raise Invalid("The contact with the specified ContactID could not be found")
    return found


def amount_types(value: Any) -> str:
    if value in (None, ""):
        return "Exclusive"
    for known in LINE_AMOUNT_TYPES:
        if isinstance(value, str) and value.lower() == known.lower():
            return known
    raise Invalid(f"LineAmountTypes '{value}' is not valid")


def currency(ctx: Ctx, value: Any) -> str:
    code = str(value or ctx.org.base_currency).upper()
    if code not in ctx.org.currencies:
        raise Invalid(f"Organisation is not subscribed to currency {code}")
    return code


def body(ctx: Ctx, el: dict[str, Any], kind: str, *, need_lines: bool) -> dict[str, Any]:
    """Contact, dates, currency, line items and totals as Xero renders them; raises Invalid
    with every message found. ``kind`` is ACCREC or ACCPAY (it picks accounts and tax)."""
    errors: list[str] = []
    out: dict[str, Any] = {}

    def attempt(step: Any) -> Any:
        try:
            return step()
        except Invalid as exc:
            errors.extend(exc.messages)
            return None

    who = attempt(lambda: contact(ctx, el.get("Contact")))
    types = attempt(lambda: amount_types(el.get("LineAmountTypes"))) or "Exclusive"
    code = attempt(lambda: currency(ctx, el.get("CurrencyCode")))
    day = attempt(lambda: a_date(el.get("Date"), "Date")) or ctx.now.date()
    lines = attempt(lambda: build_lines(ctx.org, el.get("LineItems") or [], kind, types)) or []
    if need_lines and not lines and not errors:
        errors.append("At least one line item is required")
    reference = attempt(lambda: text(el.get("Reference"), "Reference", 255)) or ""
    if errors:
        raise Invalid(*errors)
    sub_total, tax, total = totals(lines, types)
    assert who is not None
    out.update(
        {
            "Contact": {"ContactID": who.contact_id, "Name": who.name},
            "Date": xe.ms_date(day),
            "DateString": xe.date_string(day),
            "LineAmountTypes": types,
            "LineItems": [render.line_item(line) for line in lines],
            "SubTotal": sub_total,
            "TotalTax": tax,
            "Total": total,
            "CurrencyCode": code,
            "CurrencyRate": 1.0,
            "Reference": reference,
        }
    )
    return out


def day_of(doc: dict[str, Any]) -> date | None:
    return xe.parse_date(doc.get("Date"))
