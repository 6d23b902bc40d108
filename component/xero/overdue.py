"""Overdue sales invoices, filtered by Xero and fetched 1,000 at a time.

The reminder job and the listOverdueInvoices action both call :func:`list_overdue_invoices`. Xero
does the filtering (``Statuses=AUTHORISED`` plus a ``where`` on type, amount due and due date), so
a 10,000-invoice organisation with 300 overdue invoices costs one call, not a hundred: the daily
limit, not speed, is what a reminder job runs out of.

"N days overdue" counts whole days after the due date, in the organisation's calendar: an
invoice due on 7 July is 1 day overdue on 8 July. So ``min_days_overdue=N`` keeps invoices with
``DueDate <= as_of - N``, written as ``DueDate < DateTime(as_of - N + 1)``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from component.xero import where
from component.xero.client import XeroClient
from component.xero.organisation import organisation_today
from component.xero.paging import MAX_PAGE_SIZE, collect_pages


@dataclass(frozen=True)
class OverdueQuery:
    """Which invoices count as overdue; ``where()`` and ``params()`` are what Xero receives."""

    as_of: date
    min_days_overdue: int = 1
    contact_id: str | None = None
    currency: str | None = None

    def __post_init__(self) -> None:
        if self.min_days_overdue < 0:
            raise ValueError("min_days_overdue cannot be negative")
        if self.contact_id is not None and not where.is_guid(self.contact_id):
            raise ValueError(f"contact id must be a Xero ContactID (GUID), got {self.contact_id!r}")
        try:
            self.due_before  # noqa: B018 - computed once here so a bad pair fails at once
        except OverflowError:
            raise ValueError(
                f"{self.min_days_overdue} days overdue on {self.as_of} would be due before "
                "the first day of the calendar"
            ) from None

    @property
    def due_before(self) -> date:
        """Invoices due strictly before this day are overdue enough."""
        return self.as_of - timedelta(days=self.min_days_overdue - 1)

    def where(self) -> str:
        contact = f"Contact.ContactID=={where.guid(self.contact_id)}" if self.contact_id else None
        currency = f"CurrencyCode=={where.text(self.currency.upper())}" if self.currency else None
        return where.all_of(
            'Type=="ACCREC"',
            "AmountDue>0",
            f"DueDate<{where.day(self.due_before)}",
            contact,
            currency,
        )

    def params(self) -> dict[str, str]:
        return {"Statuses": "AUTHORISED", "where": self.where()}


async def overdue_query(
    client: XeroClient,
    *,
    as_of: date | None = None,
    min_days_overdue: int = 1,
    contact_id: str | None = None,
    currency: str | None = None,
) -> OverdueQuery:
    """An OverdueQuery whose ``as_of`` defaults to today in the organisation's time zone."""
    day = as_of if as_of is not None else await organisation_today(client)
    return OverdueQuery(day, min_days_overdue, contact_id, currency)


async def list_overdue_invoices(
    client: XeroClient,
    query: OverdueQuery,
    *,
    page_size: int = MAX_PAGE_SIZE,
    what: str = "listOverdueInvoices",
) -> dict[str, Any]:
    """Every invoice matching ``query`` (all pages), in Xero's ``{"Invoices": [...]}`` envelope."""
    base = {**query.params(), "pageSize": str(page_size)}

    async def fetch_page(page: int) -> Any:
        params = {**base, "page": str(page)}
        return await client.get_json(
            "/Invoices", params=params, what=f"{what} (GET /Invoices page {page})"
        )

    return await collect_pages(fetch_page, items="Invoices", page_size=page_size, what=what)
