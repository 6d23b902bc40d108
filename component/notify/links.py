"""Pay links and PDFs: what a message points the customer to, fetched only when needed.

The "View and pay" link is Xero's online invoice URL (``GET /Invoices/{id}/OnlineInvoice``). It
never changes, so it is read from the store's cache first and fetched at most once per invoice,
ever; a definite "no online invoice" answer (400/404) is cached as well. A fetch may come out of
an ``OptionalCalls`` ration (the reminder job: when the day's remaining Xero budget reaches the
reserve, no more links are fetched); an alert being sent fetches its link unrationed.

An approved template's URL button has a fixed base and a dynamic suffix. The base is one setting
for every template, ``XERO_WA_PAY_LINK_BASE`` (default ``https://in.xero.com/``, where Xero's
online invoices live); a link on another base cannot be put in the button and counts as missing.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass

from component import errors
from component.notify.budget import OptionalCalls, XeroCalls
from component.values import Binary
from component.whatsapp.client import WhatsAppClient
from component.xero.client import XeroClient

log = logging.getLogger("xero_wa.notify")

#: Xero answers that mean "this invoice has no online link" (not worth asking again).
DEFINITE_STATUSES = (400, 404)


@dataclass(frozen=True)
class PayLink:
    """The online invoice URL, or why there is none; ``definite``: asking again cannot help."""

    url: str | None
    why: str = ""
    definite: bool = True


async def pay_link(
    client: XeroClient,
    invoice_id: str,
    ration: OptionalCalls | None = None,
    calls: XeroCalls | None = None,
) -> PayLink:
    """The invoice's online URL: cached answers cost nothing, a fetch costs one Xero call."""
    repo = client.runtime.store.paylinks
    tenant_id = client.session.tenant_id or ""
    cached = await asyncio.to_thread(repo.get, tenant_id, invoice_id)
    if cached is not None:
        return PayLink(cached.url, "" if cached.url else cached.note or "Xero has no link")
    if ration is not None and not ration.take():
        return PayLink(None, ration.why_refused(), definite=False)
    if calls is not None:
        calls.add("pay_links")
    try:
        body = await client.get_json(
            f"/Invoices/{invoice_id}/OnlineInvoice", what="reading the invoice's online link"
        )
    except errors.UpstreamError as exc:
        if exc.status in DEFINITE_STATUSES:
            await asyncio.to_thread(repo.put, tenant_id, invoice_id, None, note=exc.message)
            return PayLink(None, exc.message)
        return PayLink(None, exc.message, definite=False)
    url = _url(body)
    note = None if url else "Xero returned no URL"
    await asyncio.to_thread(lambda: repo.put(tenant_id, invoice_id, url, note=note))
    return PayLink(url, note or "")


def button_suffix(url: str | None, base: str) -> str | None:
    """The part of ``url`` after the URL button's fixed ``base``, or None when it differs."""
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
