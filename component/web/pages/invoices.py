"""``/invoices`` (the invoices we notified about, searchable) and ``/invoices/{invoiceId}``.

The timeline is the store's record of what the product did about the invoice, oldest first
(``component.history.timeline``): each reminder and alert with Meta's statuses (sent, delivered,
read, failed with the fix), the History note written in Xero, the e-mail Xero sent instead, and
the payment once the worker saw it. Nothing here calls Xero.
"""

from __future__ import annotations

import re
from typing import Any

from starlette.responses import Response

from component import errors
from component.history.timeline import invoice_timelines
from component.storage import listings
from component.web import orgs
from component.web.page import Page, PageError

INVOICE_ID = re.compile(r"^[A-Za-z0-9-]{1,64}$")


async def index(page: Page) -> Response:
    known = await page.db(orgs.organisations, page.web.runtime, page.web.org_defaults)
    org = orgs.pick(known, page.value("org"))
    search = page.value("q")[: listings.MAX_SEARCH]
    rows = None
    if org is not None:
        rows = await page.db(
            listings.invoices, page.web.runtime.store, org.tenant_id, search, page.number("page")
        )
    return page.render("invoices.html", orgs=known, org=org, rows=rows, q=search)


async def timeline(page: Page) -> Response:
    invoice_id = str(page.path_params["invoiceId"])
    if not INVOICE_ID.match(invoice_id):
        raise PageError(404, "No such invoice", "That is not an invoice id or number.")
    known = await page.db(orgs.organisations, page.web.runtime, page.web.org_defaults)
    org = orgs.pick(known, page.value("org"))
    try:
        found: list[dict[str, Any]] = await page.db(invoice_timelines, page.web.runtime, invoice_id)
    except errors.InputError:
        found = []
    mine = [t for t in found if org is None or t["invoice"]["tenantId"] == org.tenant_id]
    if not mine:
        raise PageError(
            404,
            "No such invoice",
            f"Nothing was sent about invoice {invoice_id}" + (f" in {org.label}." if org else "."),
        )
    return page.render("invoice.html", org=org, found=mine[0])
