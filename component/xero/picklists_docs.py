"""Picklist options for the newer Xero objects: credit notes, quotes, contact groups, tax rates,
tracking categories and bank accounts (the select* data sources added with them).

Same rules as ``component.xero.picklists``: paged endpoints (credit notes, quotes) are asked for
one page with the search sent to Xero (a ``where`` literal, or Xero's own filters); the small
unpaged lists (groups, tax rates, tracking categories, bank accounts) are fetched once and
searched and paged here. Labels lead with what people search by.
"""

from __future__ import annotations

from typing import Any

from component.xero import labels
from component.xero.client import XeroClient
from component.xero.picklists import PAGE_SIZE, Option, _matching, _options, _page_of
from component.xero.where import text as literal


async def credit_notes(client: XeroClient, search: str | None, page: int) -> list[Option]:
    params = {"page": str(max(1, page)), "pageSize": str(PAGE_SIZE), "order": "Date DESC"}
    if search and search.strip():
        text = literal(search.strip())
        params["where"] = f"CreditNoteNumber.Contains({text}) OR Contact.Name.Contains({text})"
    body = await client.get_json(
        "/CreditNotes", params=params, what="selectCreditNote (GET /CreditNotes)"
    )
    return _options(body, "CreditNotes", "CreditNoteID", credit_note_label)


async def quotes(client: XeroClient, search: str | None, page: int) -> list[Option]:
    params = {"page": str(max(1, page)), "order": "Date DESC"}
    if search and search.strip():
        params["QuoteNumber"] = search.strip()
    body = await client.get_json("/Quotes", params=params, what="selectQuote (GET /Quotes)")
    return _options(body, "Quotes", "QuoteID", quote_label)


async def contact_groups(client: XeroClient, search: str | None, page: int) -> list[Option]:
    body = await client.get_json(
        "/ContactGroups",
        params={"order": "Name ASC"},
        what="selectContactGroup (GET /ContactGroups)",
    )
    found = _matching(body, "ContactGroups", search, ("Name",))
    return _page_of(found, page, "ContactGroupID", lambda g: str(g.get("Name") or "(no name)"))


async def tax_rates(client: XeroClient, search: str | None, page: int) -> list[Option]:
    body = await client.get_json(
        "/TaxRates", params={"where": 'Status=="ACTIVE"'}, what="selectTaxRate (GET /TaxRates)"
    )
    found = _matching(body, "TaxRates", search, ("Name", "TaxType"))
    return _page_of(found, page, "TaxType", tax_rate_label)


async def tracking_categories(client: XeroClient, search: str | None, page: int) -> list[Option]:
    body = await client.get_json(
        "/TrackingCategories", what="selectTrackingCategory (GET /TrackingCategories)"
    )
    found = _matching(body, "TrackingCategories", search, ("Name",))
    return _page_of(found, page, "TrackingCategoryID", tracking_label)


async def bank_accounts(client: XeroClient, search: str | None, page: int) -> list[Option]:
    body = await client.get_json(
        "/Accounts",
        params={"where": 'Type=="BANK" AND Status=="ACTIVE"', "order": "Code ASC"},
        what="selectBankAccount (GET /Accounts)",
    )
    found = _matching(body, "Accounts", search, ("Code", "Name", "BankAccountNumber"))
    return _page_of(found, page, "AccountID", bank_label)


def credit_note_label(note: dict[str, Any]) -> str:
    contact = (note.get("Contact") or {}).get("Name")
    currency = note.get("CurrencyCode")
    status = str(note.get("Status") or "").upper()
    if status == "AUTHORISED":
        amount = f"{labels.money(note.get('RemainingCredit'), currency)} to allocate"
    else:
        amount = f"{labels.money(note.get('Total'), currency)} {status.lower()}".strip()
    return labels._join(note.get("CreditNoteNumber") or "Credit note", contact, amount)


def quote_label(quote: dict[str, Any]) -> str:
    contact = (quote.get("Contact") or {}).get("Name")
    total = labels.money(quote.get("Total"), quote.get("CurrencyCode"))
    status = str(quote.get("Status") or "").lower() or None
    return labels._join(quote.get("QuoteNumber") or "Quote", contact, total, status)


def tax_rate_label(rate: dict[str, Any]) -> str:
    shown = rate.get("DisplayTaxRate", rate.get("EffectiveRate"))
    percent = f"{shown:g}%" if isinstance(shown, int | float) else None
    return labels._join(rate.get("Name"), rate.get("TaxType"), percent)


def tracking_label(category: dict[str, Any]) -> str:
    options = [o.get("Name") for o in category.get("Options") or [] if isinstance(o, dict)]
    return labels._join(category.get("Name"), ", ".join(str(o) for o in options if o) or None)


def bank_label(account: dict[str, Any]) -> str:
    number = account.get("BankAccountNumber")
    masked = f"…{str(number)[-4:]}" if number else None
    return labels._join(
        account.get("Code"), account.get("Name"), masked, account.get("CurrencyCode")
    )
