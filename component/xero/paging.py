"""Xero page-number paging, written once for declarative actions, handlers and data sources.

Paged endpoints (Invoices, Contacts, Payments, CreditNotes...) answer with
``pagination{page, pageSize, pageCount, itemCount}``. Fetching all pages asks for 1..pageCount at
the largest page size Xero allows (1000), so 5,000 invoices cost 5 calls, and it never asks for a
page past ``pageCount``. When an answer has no pagination block (older behaviour), a short page
ends the loop instead.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from component import errors

MAX_PAGE_SIZE = 1000

FetchPage = Callable[[int], Awaitable[Any]]


async def collect_pages(
    fetch_page: FetchPage,
    *,
    items: str,
    page_size: int = MAX_PAGE_SIZE,
    page_count_field: str = "pagination.pageCount",
    what: str,
) -> dict[str, Any]:
    """Every page's ``items`` concatenated into the first page's envelope.

    ``fetch_page(n)`` returns page ``n``'s decoded JSON body.
    """
    merged: dict[str, Any] | None = None
    collected: list[Any] = []
    page = 1
    while True:
        body = await fetch_page(page)
        page_items = body.get(items) if isinstance(body, dict) else None
        if not isinstance(body, dict) or not isinstance(page_items, list):
            raise errors.UpstreamError(
                f"{what}: Xero's page {page} has no {items!r} list",
                errors.UpstreamInfo("xero", 200),
            )
        collected.extend(page_items)
        if merged is None:
            merged = body
        if is_last_page(body, page, len(page_items), page_size, page_count_field):
            break
        page += 1
    merged[items] = collected
    return merged


def is_last_page(
    body: dict[str, Any], page: int, count: int, page_size: int, page_count_field: str
) -> bool:
    """True when no page follows ``page``: by ``pageCount`` when given, else by a short page."""
    page_count = dig(body, page_count_field)
    if isinstance(page_count, int) and not isinstance(page_count, bool):
        return page >= page_count
    return count < page_size


def dig(body: Any, path: str) -> Any:
    """The value at a dotted path (``pagination.pageCount``, ``Invoices.0``), or None."""
    value = body
    for part in path.split("."):
        if isinstance(value, dict):
            value = value.get(part)
        elif isinstance(value, list) and part.isdigit() and int(part) < len(value):
            value = value[int(part)]
        else:
            return None
    return value
