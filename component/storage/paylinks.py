"""Xero's online invoice URLs ("View and pay" links), cached for good.

``GET /Invoices/{id}/OnlineInvoice`` costs one call of the organisation's 5,000-a-day budget and
the URL of an invoice never changes, so each invoice's link is fetched at most once, ever. A
definite "no link" answer from Xero (a draft, a bill) is remembered too (``url`` NULL, with
Xero's words in ``note``), so it is not asked again either; transient failures are not stored.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from component.storage.store import Store


@dataclass(frozen=True)
class PayLink:
    url: str | None
    note: str | None
    fetched_at: str


class PayLinksRepo:
    def __init__(self, store: Store) -> None:
        self._store = store

    def get(self, tenant_id: str, invoice_id: str) -> PayLink | None:
        """The cached answer for this invoice, or None when Xero was never asked."""
        row = self._store.fetchone(
            "SELECT url, note, fetched_at FROM paylinks WHERE tenant_id = ? AND invoice_id = ?",
            (tenant_id, invoice_id.lower()),
        )
        return None if row is None else PayLink(row["url"], row["note"], row["fetched_at"])

    def put(
        self, tenant_id: str, invoice_id: str, url: str | None, *, note: str | None = None
    ) -> None:
        """Remember Xero's answer (first answer wins: a link does not change)."""
        with self._store.transaction() as conn:
            conn.execute(
                "INSERT INTO paylinks (tenant_id, invoice_id, url, note, fetched_at) "
                "VALUES (?, ?, ?, ?, ?) ON CONFLICT (tenant_id, invoice_id) DO NOTHING",
                (tenant_id, invoice_id.lower(), url, note, datetime.now(UTC).isoformat()),
            )

    def count(self, tenant_id: str | None = None) -> int:
        sql, args = "SELECT COUNT(*) FROM paylinks", []
        if tenant_id is not None:
            sql, args = sql + " WHERE tenant_id = ?", [tenant_id]
        return int(self._store.fetchone(sql, args)[0])
