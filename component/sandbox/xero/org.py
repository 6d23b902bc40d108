"""One emulated Xero organisation (tenant): its settings, records and query cache.

Lists are answered from a cache of filtered-and-ordered id lists keyed by the query, valid while
the collection's data version is unchanged; every write bumps the version. A reminder run paging
through 10,000 overdue invoices in pages of 1,000 therefore filters the org once, not ten times.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from component.sandbox.xero.records import (
    Account,
    Attachment,
    Contact,
    ContactGroup,
    HistoryEntry,
    Invoice,
    Item,
    Payment,
)

QUERY_CACHE_SIZE = 64


@dataclass
class Org:
    tenant_id: str
    name: str
    short_code: str
    country: str
    base_currency: str
    currencies: list[str]
    timezone: str
    tax_rate: float
    created: datetime
    contacts: dict[str, Contact] = field(default_factory=dict)
    invoices: dict[str, Invoice] = field(default_factory=dict)
    items: dict[str, Item] = field(default_factory=dict)
    accounts: dict[str, Account] = field(default_factory=dict)
    payments: dict[str, Payment] = field(default_factory=dict)
    history: dict[str, list[HistoryEntry]] = field(default_factory=dict)
    attachments: dict[str, dict[str, Attachment]] = field(default_factory=dict)
    contact_groups: dict[str, ContactGroup] = field(default_factory=dict)
    #: Documents kept as Xero's JSON, by collection then id: CreditNotes, Quotes,
    #: BankTransactions, RepeatingInvoices, Overpayments, Prepayments (see ``docs.py``).
    docs: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)
    #: Settings lists kept as Xero's JSON: TaxRates, TrackingCategories, Currencies, BrandingThemes.
    settings: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    #: Last number used for auto-numbered sales invoices (INV-0001, INV-0002, ...).
    invoice_sequence: int = 0
    versions: dict[str, int] = field(default_factory=dict)
    _cache: OrderedDict[Hashable, tuple[int, list[Any]]] = field(default_factory=OrderedDict)
    _by_number: dict[str, str] = field(default_factory=dict)

    # -- versions and the query cache --------------------------------------------------------

    def bump(self, collection: str) -> None:
        """Invalidate cached queries over ``collection`` (call after every write to it)."""
        self.versions[collection] = self.versions.get(collection, 0) + 1

    def cached(self, collection: str, key: Hashable, compute: Callable[[], list[Any]]) -> list[Any]:
        """The result of ``compute`` for ``key``, recomputed only after ``collection`` changed."""
        version = self.versions.get(collection, 0)
        full_key = (collection, key)
        hit = self._cache.get(full_key)
        if hit is not None and hit[0] == version:
            self._cache.move_to_end(full_key)
            return hit[1]
        result = compute()
        self._cache[full_key] = (version, result)
        self._cache.move_to_end(full_key)
        while len(self._cache) > QUERY_CACHE_SIZE:
            self._cache.popitem(last=False)
        return result

    # -- invoices ----------------------------------------------------------------------------

    def add_invoice(self, invoice: Invoice) -> None:
        self.invoices[invoice.invoice_id] = invoice
        if invoice.number:
            self._by_number[invoice.number.casefold()] = invoice.invoice_id

    def renumber(self, invoice: Invoice, number: str) -> None:
        if invoice.number:
            self._by_number.pop(invoice.number.casefold(), None)
        invoice.number = number
        if number:
            self._by_number[number.casefold()] = invoice.invoice_id

    def invoice_by_number(self, number: str) -> Invoice | None:
        invoice_id = self._by_number.get(number.casefold())
        return self.invoices.get(invoice_id) if invoice_id else None

    def next_invoice_number(self) -> str:
        while True:
            self.invoice_sequence += 1
            number = f"INV-{self.invoice_sequence:04d}"
            if number.casefold() not in self._by_number:
                return number

    # -- lookups -----------------------------------------------------------------------------

    def contact_by_name(self, name: str) -> Contact | None:
        folded = name.strip().casefold()
        for contact in self.contacts.values():
            if contact.status == "ACTIVE" and contact.name.casefold() == folded:
                return contact
        return None

    def account_by_code(self, code: str) -> Account | None:
        folded = code.strip().casefold()
        return next((a for a in self.accounts.values() if a.code.casefold() == folded), None)

    def item_by_code(self, code: str) -> Item | None:
        folded = code.strip().casefold()
        return next((i for i in self.items.values() if i.code.casefold() == folded), None)

    def record_history(self, record_id: str, entry: HistoryEntry) -> None:
        self.history.setdefault(record_id, []).append(entry)
