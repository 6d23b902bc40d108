"""The emulated organisation's records, kept compact and rendered to Xero's JSON on demand.

A benchmark org holds 100,000 invoices, so invoices and their lines are ``__slots__`` dataclasses
with native dates and floats (a few hundred bytes each) instead of rendered JSON dicts (kilobytes
each). Rendering happens only for the page a client asked for (see ``render.py``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, NamedTuple

INVOICE_STATUSES = ("DRAFT", "SUBMITTED", "AUTHORISED", "PAID", "VOIDED", "DELETED")
INVOICE_TYPES = ("ACCREC", "ACCPAY")
LINE_AMOUNT_TYPES = ("Exclusive", "Inclusive", "NoTax")
PHONE_TYPES = ("DEFAULT", "DDI", "MOBILE", "FAX", "OFFICE")
ACCOUNT_CLASSES = {
    "BANK": "ASSET",
    "CURRENT": "ASSET",
    "FIXED": "ASSET",
    "INVENTORY": "ASSET",
    "NONCURRENT": "ASSET",
    "PREPAYMENT": "ASSET",
    "CURRLIAB": "LIABILITY",
    "LIABILITY": "LIABILITY",
    "TERMLIAB": "LIABILITY",
    "PAYG": "LIABILITY",
    "EQUITY": "EQUITY",
    "DEPRECIATN": "EXPENSE",
    "DIRECTCOSTS": "EXPENSE",
    "EXPENSE": "EXPENSE",
    "OVERHEADS": "EXPENSE",
    "OTHERINCOME": "REVENUE",
    "REVENUE": "REVENUE",
    "SALES": "REVENUE",
}


def money(value: float) -> float:
    """Round to cents the way Xero reports amounts."""
    return round(value + 0.0, 2)


@dataclass(slots=True)
class LineItem:
    line_item_id: str
    description: str
    quantity: float
    unit_amount: float
    account_code: str
    tax_type: str
    tax_amount: float
    line_amount: float
    item_code: str = ""
    discount_rate: float | None = None


@dataclass(slots=True)
class Invoice:
    invoice_id: str
    type: str
    status: str
    contact_id: str
    number: str
    reference: str
    date: dt.date
    due_date: dt.date | None
    currency: str
    currency_rate: float
    line_amount_types: str
    lines: list[LineItem]
    sub_total: float
    total_tax: float
    total: float
    updated: dt.datetime
    amount_paid: float = 0.0
    amount_credited: float = 0.0
    payment_ids: list[str] = field(default_factory=list)
    fully_paid_on: dt.date | None = None
    sent_to_contact: bool = False
    has_attachments: bool = False
    created_by: str = ""
    expected_payment_date: dt.date | None = None
    url: str = ""
    branding_theme_id: str = ""

    @property
    def amount_due(self) -> float:
        """Outstanding amount; Xero reports 0 for VOIDED and DELETED invoices."""
        if self.status in ("VOIDED", "DELETED"):
            return 0.0
        return money(self.total - self.amount_paid - self.amount_credited)


class Phone(NamedTuple):
    type: str
    number: str = ""
    area_code: str = ""
    country_code: str = ""


@dataclass(slots=True)
class Contact:
    contact_id: str
    name: str
    updated: dt.datetime
    status: str = "ACTIVE"
    first_name: str = ""
    last_name: str = ""
    email: str = ""
    contact_number: str = ""
    account_number: str = ""
    phones: list[Phone] = field(default_factory=list)
    addresses: list[dict[str, Any]] = field(default_factory=list)
    is_customer: bool = False
    is_supplier: bool = False
    default_currency: str = ""
    tax_number: str = ""
    has_attachments: bool = False
    #: Writable fields the sandbox stores and echoes without interpreting (ContactPersons, ...).
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(slots=True)
class Item:
    item_id: str
    code: str
    updated: dt.datetime
    name: str = ""
    description: str = ""
    purchase_description: str = ""
    is_sold: bool = True
    is_purchased: bool = True
    sales: dict[str, Any] = field(default_factory=dict)
    purchase: dict[str, Any] = field(default_factory=dict)
    is_tracked_as_inventory: bool = False


@dataclass(slots=True)
class Account:
    account_id: str
    code: str
    name: str
    type: str
    updated: dt.datetime
    status: str = "ACTIVE"
    description: str = ""
    tax_type: str = "NONE"
    enable_payments: bool = False
    bank_account_number: str = ""
    bank_account_type: str = ""
    currency: str = ""
    system_account: str = ""
    reporting_code: str = ""
    show_in_expense_claims: bool = False
    has_attachments: bool = False

    @property
    def klass(self) -> str:
        return ACCOUNT_CLASSES.get(self.type, "ASSET")


@dataclass(slots=True)
class Payment:
    payment_id: str
    invoice_id: str
    account_id: str
    date: dt.date
    amount: float
    updated: dt.datetime
    reference: str = ""
    status: str = "AUTHORISED"
    payment_type: str = "ACCRECPAYMENT"
    currency_rate: float = 1.0
    is_reconciled: bool = False


@dataclass(slots=True)
class Attachment:
    attachment_id: str
    filename: str
    mime_type: str
    data: bytes
    include_online: bool = False


@dataclass(slots=True)
class HistoryEntry:
    changes: str
    details: str
    user: str
    when: dt.datetime


@dataclass(slots=True)
class ContactGroup:
    """A contact group: a name and its members (ContactIDs, in the order they were added)."""

    group_id: str
    name: str
    status: str = "ACTIVE"
    contact_ids: list[str] = field(default_factory=list)
