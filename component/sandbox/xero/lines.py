"""Reading client-supplied values (numbers, dates, line items) and computing invoice totals.

Xero's arithmetic: ``LineAmount = Quantity × UnitAmount × (1 − DiscountRate%)``; tax per line at
the org's rate unless the tax type is exempt or the invoice is ``NoTax``; with ``Inclusive``
amounts the tax is carved out of the line, with ``Exclusive`` it is added on top.
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from component.sandbox.xero.envelope import parse_date
from component.sandbox.xero.org import Org
from component.sandbox.xero.records import LineItem, money

ZERO_TAX = frozenset(
    {
        "NONE",
        "EXEMPTOUTPUT",
        "EXEMPTINPUT",
        "EXEMPTEXPENSES",
        "ZERORATEDOUTPUT",
        "ZERORATEDINPUT",
        "EXEMPTCAPITAL",
        "EXEMPTEXPORT",
        "BASEXCLUDED",
    }
)


class Invalid(Exception):
    """Validation messages for one element, in the words Xero would use."""

    def __init__(self, *messages: str) -> None:
        super().__init__("; ".join(messages))
        self.messages = list(messages)


def text(value: Any, field: str, max_length: int | None = None) -> str:
    if value is None:
        return ""
    if not isinstance(value, str | int | float) or isinstance(value, bool):
        raise Invalid(f"{field} must be a string")
    out = str(value)
    if max_length is not None and len(out) > max_length:
        raise Invalid(f"{field} must be no more than {max_length} characters long.")
    return out


#: Xero keeps amounts as fixed-point decimals and refuses what they cannot hold (a 30-digit unit
#: price is refused). Its exact bound is not documented (unverified); the sandbox refuses from a
#: trillion up, which is at least as strict, so a value it accepts Xero accepts too.
MAX_NUMBER = 1_000_000_000_000


def number(value: Any, field: str, default: float | None = None) -> float | None:
    if value is None or value == "":
        return default
    if isinstance(value, bool):
        raise Invalid(f"{field} must be a number")
    try:
        out = float(value)
    except (TypeError, ValueError, OverflowError):
        raise Invalid(f"{field} must be a number") from None
    if not -MAX_NUMBER < out < MAX_NUMBER:
        raise Invalid(f"{field} must be between -999,999,999,999.99 and 999,999,999,999.99")
    return out


def a_date(value: Any, field: str) -> date | None:
    try:
        return parse_date(value)
    except ValueError:
        raise Invalid(f"{field} is not a valid date ('{value}')") from None


def boolean(value: Any, field: str, default: bool) -> bool:
    if value is None:
        return default
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    raise Invalid(f"{field} must be true or false")


def build_lines(org: Org, raw: Any, kind: str, amount_types: str) -> list[LineItem]:
    """Validate ``LineItems`` and compute each line's amount and tax."""
    if not isinstance(raw, list):
        raise Invalid("LineItems must be an array of line items")
    lines: list[LineItem] = []
    for entry in raw:
        if not isinstance(entry, dict):
            raise Invalid("Each line item must be an object")
        lines.append(_line(org, entry, kind, amount_types))
    return lines


def _line(org: Org, entry: dict[str, Any], kind: str, amount_types: str) -> LineItem:
    item_code = text(entry.get("ItemCode"), "ItemCode")
    item = org.item_by_code(item_code) if item_code else None
    if item_code and item is None:
        raise Invalid(f"Item code '{item_code}' is not valid")
    details = (item.sales if kind == "ACCREC" else item.purchase) if item else {}
    description = text(entry.get("Description"), "Description", 4000) or (
        item.description if item else ""
    )
    if not description:
        raise Invalid("The description field is mandatory for each line item.")
    quantity = number(entry.get("Quantity"), "Quantity", 1.0)
    unit = number(entry.get("UnitAmount"), "UnitAmount", None)
    given_amount = number(entry.get("LineAmount"), "LineAmount", None)
    discount = number(entry.get("DiscountRate"), "DiscountRate", None)
    assert quantity is not None
    if unit is None:
        unit = float(details.get("UnitPrice", 0.0))
        if given_amount is not None and quantity:
            unit = given_amount / quantity
    account_code = text(entry.get("AccountCode"), "AccountCode") or str(
        details.get("AccountCode", "200" if kind == "ACCREC" else "429")
    )
    if org.account_by_code(account_code) is None:
        raise Invalid(f"Account code '{account_code}' is not a valid code for this document.")
    default_tax = "OUTPUT" if kind == "ACCREC" else "INPUT"
    tax_type = text(entry.get("TaxType"), "TaxType") or str(details.get("TaxType", default_tax))
    line_amount = money(quantity * unit * (1 - (discount or 0.0) / 100))
    rate = 0.0 if amount_types == "NoTax" or tax_type.upper() in ZERO_TAX else org.tax_rate
    inclusive = amount_types == "Inclusive"
    tax = money(line_amount - line_amount / (1 + rate) if inclusive else line_amount * rate)
    line_id = text(entry.get("LineItemID"), "LineItemID") or str(uuid.uuid4())
    return LineItem(
        line_id,
        description,
        quantity,
        money(unit) if unit == round(unit, 2) else unit,
        account_code,
        tax_type,
        tax,
        line_amount,
        item_code,
        discount,
    )


def totals(lines: list[LineItem], amount_types: str) -> tuple[float, float, float]:
    """(SubTotal, TotalTax, Total) for the lines."""
    tax = money(sum(line.tax_amount for line in lines))
    gross = money(sum(line.line_amount for line in lines))
    sub_total = money(gross - tax) if amount_types == "Inclusive" else gross
    return sub_total, tax, money(sub_total + tax)
