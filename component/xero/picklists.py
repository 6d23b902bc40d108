"""Picklist options (``[{key, label}]``) for the select* data sources.

A picklist must open fast for an organisation with 50,000 contacts, so paged endpoints are asked
for one page of ``PAGE_SIZE`` at a time with ``summaryOnly`` (Xero leaves out the costly fields)
and the search text goes to Xero (``searchTerm`` or a ``where`` literal), never a full download.
Accounts and items are not paged by Xero: one call returns them all, so they are filtered and
paged here, the same way for the person picking.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from component.xero import labels
from component.xero.client import XeroClient

PAGE_SIZE = 100
Option = dict[str, str]


async def invoices(client: XeroClient, search: str | None, page: int) -> list[Option]:
    params = _paged(page, summaryOnly="true", order="Date DESC")
    params["Statuses"] = "DRAFT,SUBMITTED,AUTHORISED,PAID"
    if search:
        params["searchTerm"] = search.strip()
    body = await client.get_json("/Invoices", params=params, what="selectInvoice (GET /Invoices)")
    return _options(body, "Invoices", "InvoiceID", labels.invoice_label)


async def contacts(client: XeroClient, search: str | None, page: int) -> list[Option]:
    params = _paged(page, summaryOnly="true", order="Name ASC")
    if search:
        params["searchTerm"] = search.strip()
    body = await client.get_json("/Contacts", params=params, what="selectContact (GET /Contacts)")
    return _options(body, "Contacts", "ContactID", labels.contact_label)


async def payments(client: XeroClient, search: str | None, page: int) -> list[Option]:
    """Newest payments first; with a search, the payments of the invoices it finds.

    People look for a payment by the invoice it paid, and Xero cannot filter payments by invoice
    number, so a search asks for invoices (``searchTerm``, one call) and lists their payments,
    which Xero includes on each invoice of a list.
    """
    if not search or not search.strip():
        params = _paged(page, order="Date DESC")
        body = await client.get_json(
            "/Payments", params=params, what="selectPayment (GET /Payments)"
        )
        return _options(body, "Payments", "PaymentID", labels.payment_label)
    params = _paged(page, searchTerm=search.strip(), Statuses="AUTHORISED,PAID")
    body = await client.get_json("/Invoices", params=params, what="selectPayment (GET /Invoices)")
    found = [
        {**payment, "Invoice": invoice}
        for invoice in _records(body, "Invoices")
        for payment in invoice.get("Payments") or []
        if isinstance(payment, dict)
    ]
    return _options({"Payments": found}, "Payments", "PaymentID", labels.payment_label)


async def accounts(client: XeroClient, search: str | None, page: int) -> list[Option]:
    body = await client.get_json(
        "/Accounts", params={"order": "Code ASC"}, what="selectAccount (GET /Accounts)"
    )
    found = _matching(body, "Accounts", search, ("Code", "Name"))
    return _page_of(found, page, "AccountID", labels.account_label)


async def items(client: XeroClient, search: str | None, page: int) -> list[Option]:
    body = await client.get_json(
        "/Items", params={"order": "Code ASC"}, what="selectItem (GET /Items)"
    )
    found = _matching(body, "Items", search, ("Code", "Name", "Description"))
    return _page_of(found, page, "ItemID", labels.item_label)


def _paged(page: int, **extra: str) -> dict[str, str]:
    return {"page": str(max(1, page)), "pageSize": str(PAGE_SIZE), **extra}


def _records(body: Any, key: str) -> list[dict[str, Any]]:
    found = body.get(key) if isinstance(body, dict) else None
    return [r for r in found or [] if isinstance(r, dict)]


def _options(
    body: Any, key: str, id_field: str, label: Callable[[dict[str, Any]], str]
) -> list[Option]:
    return [
        {"key": str(r[id_field]), "label": label(r)} for r in _records(body, key) if r.get(id_field)
    ]


def _matching(
    body: Any, key: str, search: str | None, fields: tuple[str, ...]
) -> list[dict[str, Any]]:
    records = _records(body, key)
    if not search or not search.strip():
        return records
    needle = search.strip().casefold()
    return [r for r in records if any(needle in str(r.get(f) or "").casefold() for f in fields)]


def _page_of(
    records: list[dict[str, Any]],
    page: int,
    id_field: str,
    label: Callable[[dict[str, Any]], str],
) -> list[Option]:
    start = (max(1, page) - 1) * PAGE_SIZE
    chosen = records[start : start + PAGE_SIZE]
    return [{"key": str(r[id_field]), "label": label(r)} for r in chosen if r.get(id_field)]
