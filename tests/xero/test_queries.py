"""Where filters, the overdue query, organisation time zones, raw request paths and paging."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from component import errors
from component.xero import where
from component.xero.organisation import zone_for
from component.xero.overdue import OverdueQuery
from component.xero.paging import collect_pages
from component.xero.raw import api_path

BASE = "https://api.xero.com/api.xro/2.0"
CONTACT = "9a8b7c6d-5e4f-4a3b-2c1d-0e9f8a7b6c5d"


def test_user_text_stays_a_string_literal() -> None:
    assert where.text('Priya "PT" \\ Co') == '"Priya \\"PT\\" \\\\ Co"'
    assert where.guid(CONTACT.upper()) == f'Guid("{CONTACT}")'
    with pytest.raises(ValueError, match="expected a Xero id"):
        where.guid('x") OR (1==1')


@pytest.mark.parametrize(
    ("days", "due_before"), [(0, "2026,07,15"), (1, "2026,07,14"), (7, "2026,07,08")]
)
def test_minimum_days_overdue_moves_the_due_date_bound(days: int, due_before: str) -> None:
    query = OverdueQuery(date(2026, 7, 14), days)
    assert query.where() == (f'Type=="ACCREC" AND AmountDue>0 AND DueDate<DateTime({due_before})')
    assert query.params() == {"Statuses": "AUTHORISED", "where": query.where()}


def test_overdue_contact_and_currency_terms() -> None:
    query = OverdueQuery(date(2026, 7, 14), 1, CONTACT, "usd")
    assert query.where().endswith(
        f' AND Contact.ContactID==Guid("{CONTACT}") AND CurrencyCode=="USD"'
    )
    with pytest.raises(ValueError, match="contact id must be a Xero ContactID"):
        OverdueQuery(date(2026, 7, 14), 1, "Priya Textiles")
    with pytest.raises(ValueError, match="cannot be negative"):
        OverdueQuery(date(2026, 7, 14), -1)


@pytest.mark.parametrize(
    ("xero", "iana"),
    [
        ("INDIASTANDARDTIME", "Asia/Calcutta"),
        ("NEWZEALANDSTANDARDTIME", "Pacific/Auckland"),
        ("AUSEASTERNSTANDARDTIME", "Australia/Sydney"),
        ("UTC08", "Etc/GMT+8"),
        ("UTC+12", "Etc/GMT-12"),
        ("NOSUCHZONE", "UTC"),
        (None, "UTC"),
    ],
)
def test_xero_time_zones_map_to_iana(xero: str | None, iana: str) -> None:
    assert zone_for(xero).key == iana


@pytest.mark.parametrize(
    ("url", "path", "query"),
    [
        ("/Accounts", "/Accounts", {}),
        ("Accounts", "/Accounts", {}),
        ("/Invoices?Statuses=PAID&page=2", "/Invoices", {"Statuses": "PAID", "page": "2"}),
        (f"{BASE}/Contacts/abc", "/Contacts/abc", {}),
        ("HTTPS://API.XERO.COM/api.xro/2.0/Items", "/Items", {}),
    ],
)
def test_raw_urls_become_paths_under_the_api(url: str, path: str, query: dict[str, str]) -> None:
    assert api_path(url, BASE) == (path, query)


@pytest.mark.parametrize(
    "url",
    ["https://api.xero.com/connections", "http://api.xero.com/api.xro/2.0/Items", "//evil/x"],
)
def test_raw_urls_outside_the_api_are_refused(url: str) -> None:
    with pytest.raises(errors.InputError):
        api_path(url, BASE)


@pytest.mark.anyio
async def test_paging_without_a_pagination_block_stops_at_a_short_page() -> None:
    pages: list[int] = []

    async def fetch(page: int) -> Any:
        pages.append(page)
        return {"Items": list(range(3 if page < 3 else 1))}

    merged = await collect_pages(fetch, items="Items", page_size=3, what="test")
    assert pages == [1, 2, 3]
    assert merged["Items"] == [0, 1, 2, 0, 1, 2, 0]


@pytest.mark.anyio
async def test_a_page_without_its_list_is_an_upstream_error() -> None:
    async def fetch(page: int) -> Any:
        return {"Message": "unexpected"}

    with pytest.raises(errors.UpstreamError, match="Xero's page 1 has no 'Invoices' list"):
        await collect_pages(fetch, items="Invoices", what="listInvoices")
