"""Validating and saving contacts: unique active names, the four-field phones, archiving.

Shared by ``/Contacts`` writes and by invoice writes, which create a contact when the invoice
names one Xero does not know (as Xero does).
"""

from __future__ import annotations

import re
import uuid
from typing import Any

from component.sandbox.xero.api import Ctx
from component.sandbox.xero.lines import Invalid, boolean, text
from component.sandbox.xero.records import PHONE_TYPES, Contact, HistoryEntry, Phone
from component.sandbox.xero.webhooks import EventType

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
#: Contact fields stored and echoed as given (the sandbox does not interpret them).
PASSTHROUGH = (
    "ContactPersons",
    "BankAccountDetails",
    "TaxNumberType",
    "AccountsReceivableTaxType",
    "AccountsPayableTaxType",
    "SalesDefaultAccountCode",
    "PurchasesDefaultAccountCode",
    "PaymentTerms",
    "CompanyNumber",
    "XeroNetworkKey",
    "SalesDefaultLineAmountType",
    "PurchasesDefaultLineAmountType",
)
_SIMPLE = (
    ("FirstName", "first_name", 255),
    ("LastName", "last_name", 255),
    ("ContactNumber", "contact_number", 50),
    ("AccountNumber", "account_number", 50),
    ("TaxNumber", "tax_number", 50),
    ("DefaultCurrency", "default_currency", 3),
)


def phones(raw: Any, current: list[Phone]) -> list[Phone]:
    """Merge ``Phones`` by PhoneType (types not mentioned are kept), validating each field."""
    if not isinstance(raw, list):
        raise Invalid("Phones must be an array")
    by_type = {p.type: p for p in current}
    for entry in raw:
        if not isinstance(entry, dict):
            raise Invalid("Each phone must be an object")
        kind = str(entry.get("PhoneType") or "DEFAULT").upper()
        if kind not in PHONE_TYPES:
            raise Invalid(f"PhoneType '{entry.get('PhoneType')}' is not valid")
        by_type[kind] = Phone(
            kind,
            text(entry.get("PhoneNumber"), "PhoneNumber", 50),
            text(entry.get("PhoneAreaCode"), "PhoneAreaCode", 10),
            text(entry.get("PhoneCountryCode"), "PhoneCountryCode", 20),
        )
    return [p for p in by_type.values() if p.number or p.area_code or p.country_code]


def validate(
    ctx: Ctx, el: dict[str, Any], existing: Contact | None, taken: set[str]
) -> tuple[Contact, list[str]]:
    """A contact with ``el`` applied (new or a copy of ``existing``) and the messages against it."""
    errors: list[str] = []
    now = ctx.now
    contact = Contact(str(uuid.uuid4()), "", now) if existing is None else _copy(existing)
    if "Name" in el or existing is None:
        try:
            contact.name = text(el.get("Name"), "Name", 255).strip()
        except Invalid as exc:
            errors.extend(exc.messages)
        if not contact.name:
            errors.append("A Contact Name must be specified")
    for field, attr, limit in _SIMPLE:
        if field in el:
            try:
                setattr(contact, attr, text(el[field], field, limit))
            except Invalid as exc:
                errors.extend(exc.messages)
    if "EmailAddress" in el:
        email = el["EmailAddress"]
        if email and (not isinstance(email, str) or not _EMAIL.match(email)):
            errors.append("Email address must be valid.")
        else:
            contact.email = email or ""
    if "ContactStatus" in el:
        status = str(el["ContactStatus"] or "").upper()
        if status not in ("ACTIVE", "ARCHIVED"):
            errors.append(f"ContactStatus '{el['ContactStatus']}' is not valid")
        else:
            contact.status = status
    for field, attr in (("IsCustomer", "is_customer"), ("IsSupplier", "is_supplier")):
        if field in el:
            try:
                setattr(contact, attr, boolean(el[field], field, False))
            except Invalid as exc:
                errors.extend(exc.messages)
    if "Phones" in el:
        try:
            contact.phones = phones(el["Phones"], contact.phones)
        except Invalid as exc:
            errors.extend(exc.messages)
    if "Addresses" in el:
        if isinstance(el["Addresses"], list) and all(isinstance(a, dict) for a in el["Addresses"]):
            contact.addresses = [dict(a) for a in el["Addresses"]]
        else:
            errors.append("Addresses must be an array of addresses")
    for field in PASSTHROUGH:
        if field in el:
            contact.extra[field] = el[field]
    _check_unique(ctx, contact, existing, taken, errors)
    contact.updated = now
    return contact, errors


def _copy(existing: Contact) -> Contact:
    clone = Contact(existing.contact_id, existing.name, existing.updated)
    for slot in Contact.__slots__:
        setattr(clone, slot, getattr(existing, slot))
    clone.phones = list(existing.phones)
    clone.addresses = list(existing.addresses)
    clone.extra = dict(existing.extra)
    return clone


def _check_unique(
    ctx: Ctx, contact: Contact, existing: Contact | None, taken: set[str], errors: list[str]
) -> None:
    if contact.status != "ACTIVE" or not contact.name:
        return
    folded = contact.name.casefold()
    other = ctx.org.contact_by_name(contact.name)
    if folded in taken or (
        other is not None and (existing is None or other.contact_id != existing.contact_id)
    ):
        errors.append(
            f"The contact name {contact.name} is already assigned to another contact. "
            "The contact name must be unique across all active contacts."
        )
    taken.add(folded)


def save(ctx: Ctx, contact: Contact, existing: Contact | None) -> Contact:
    """Store a validated contact, record history and the webhook event."""
    org = ctx.org
    event: EventType
    if existing is None:
        org.contacts[contact.contact_id] = contact
        stored, change, event = contact, "Created", "CREATE"
    else:
        for slot in Contact.__slots__:
            setattr(existing, slot, getattr(contact, slot))
        stored, change, event = existing, "Edited", "UPDATE"
    if existing is not None and existing.status == "ARCHIVED":
        change = "Archived"
    org.record_history(
        stored.contact_id, HistoryEntry(change, f"Contact {stored.name}", "Sandbox API", ctx.now)
    )
    org.bump("contacts")
    org.bump("invoices")  # cached invoice queries may filter on Contact.Name
    ctx.emit("CONTACT", stored.contact_id, event)
    return stored


def ensure_contact(ctx: Ctx, raw: dict[str, Any]) -> tuple[Contact, bool]:
    """The active contact named in ``raw``, created if missing; (contact, created)."""
    name = str(raw.get("Name") or "").strip()
    found = ctx.org.contact_by_name(name)
    if found is not None:
        return found, False
    contact, _errors = validate(
        ctx, {k: v for k, v in raw.items() if k != "ContactID"}, None, set()
    )
    contact.is_customer = True
    return save(ctx, contact, None), True
