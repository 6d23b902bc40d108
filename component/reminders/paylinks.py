"""Pay links and PDFs for reminders: fetched from Xero only when needed and affordable.

The "View and pay" link is Xero's online invoice URL (``GET /Invoices/{id}/OnlineInvoice``). It
never changes, so it is read from the store's cache first and fetched at most once per invoice,
ever; a definite "no online invoice" answer is cached as well. Fetches come out of the run's
``OptionalCalls`` ration: when the day's remaining Xero budget reaches the reserve, no more
links are fetched and the policy's ``whenMissing`` applies.

The approved template's URL button has a fixed base (``https://in.xero.com/``) and a dynamic
suffix; a link on another base cannot be put in that button, and is treated as missing.
"""

from __future__ import annotations

import logging

from component import errors
from component.reminders.budget import OptionalCalls, XeroCalls
from component.storage.paylinks import PayLinksRepo
from component.values import Binary
from component.whatsapp.client import WhatsAppClient
from component.xero.client import XeroClient

log = logging.getLogger("xero_wa.reminders")

#: Xero answers that mean "this invoice has no online link" (not worth asking again).
DEFINITE_STATUSES = (400, 404)


async def pay_link(
    client: XeroClient,
    repo: PayLinksRepo,
    invoice_id: str,
    ration: OptionalCalls,
    calls: XeroCalls,
) -> tuple[str | None, str]:
    """(URL or None, why none). Cached answers cost nothing; a fetch costs one Xero call."""
    tenant_id = client.session.tenant_id or ""
    cached = repo.get(tenant_id, invoice_id)
    if cached is not None:
        return cached.url, cached.note or "Xero has no online invoice for it"
    if not ration.take():
        return None, ration.why_refused()
    calls.add("pay_links")
    try:
        body = await client.get_json(
            f"/Invoices/{invoice_id}/OnlineInvoice", what="reading the invoice's online link"
        )
    except errors.UpstreamError as exc:
        if exc.status in DEFINITE_STATUSES:
            repo.put(tenant_id, invoice_id, None, note=exc.message)
        return None, exc.message
    url = _url(body)
    repo.put(tenant_id, invoice_id, url, note=None if url else "Xero returned no URL")
    return url, "" if url else "Xero returned no URL"


def button_suffix(url: str | None, base: str) -> str | None:
    """The part of ``url`` after the template button's fixed ``base``, or None if it differs."""
    if not url or not url.startswith(base) or len(url) == len(base):
        return None
    return url[len(base) :]


async def pdf_media(
    client: XeroClient,
    whatsapp: WhatsAppClient,
    invoice_id: str,
    filename: str,
    ration: OptionalCalls,
    calls: XeroCalls,
) -> tuple[str | None, str]:
    """(WhatsApp media id of the invoice PDF, or None and why): one Xero call, one upload."""
    if not ration.take():
        return None, ration.why_refused()
    calls.add("pdfs")
    try:
        response = await client.request(
            "GET", f"/Invoices/{invoice_id}", accept="application/pdf", what="reading the PDF"
        )
        media_id = await whatsapp.upload_media(
            Binary(response.content, "application/pdf", filename)
        )
    except errors.UpstreamError as exc:
        log.info("no PDF for invoice %s: %s", invoice_id, exc.message)
        return None, exc.message
    return media_id, ""


def _url(body: object) -> str | None:
    if not isinstance(body, dict):
        return None
    items = body.get("OnlineInvoices")
    if not isinstance(items, list) or not items or not isinstance(items[0], dict):
        return None
    url = items[0].get("OnlineInvoiceUrl")
    return url if isinstance(url, str) and url.startswith("https://") else None
