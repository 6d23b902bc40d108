"""What an invoice's current state means: a "new invoice" alert, stopped reminders, a thank-you.

Webhooks carry no record and no previous state, so decisions are made on the invoice as it is
now, and made idempotent by the outbox instead of by remembering what was seen:

- a sales invoice (ACCREC) that is AUTHORISED gets one ``invoice_new`` alert, ever (outbox item
  (tenant, InvoiceID, "invoice_new"));
- a PAID one stops its reminders (``outbox.stop_subject(..., "paid")``, committed first: it
  matters most) and, when enabled, gets one ``payment_received`` message (item
  (tenant, "<InvoiceID>:paid", "payment_received"), a subject of its own, as the invoice's own
  subject is now stopped);
- VOIDED and DELETED stop its reminders too.

A send follows the outbox protocol: claim → mark_sending → send → mark_sent / mark_failed /
mark_unknown. The outbox key travels as ``biz_opaque_callback_data``, so a status webhook can
settle an unknown outcome. A refusal worth retrying (Meta transient, connection) is raised, so
the worker retries the event and the claim is reopened; an unknown outcome is never resent.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import Any

from component import errors
from component.alerts import compose
from component.executor import Executor
from component.orgs.view import Jobs
from component.phones import default_region, whatsapp_number
from component.runtime import Runtime
from component.service.config import ServiceConfig
from component.service.connections import ServiceConnections
from component.sessions import Session
from component.storage.outbox import Item
from component.whatsapp.client import WhatsAppClient
from component.whatsapp.errors import SendOutcomeUnknown, meta_code
from component.xero.client import XeroClient
from component.xero.dates import calendar_date
from component.xero.organisation import get_organisation

log = logging.getLogger("xero_wa.service.alerts")

KIND = "alert"
NEW_STAGE = "invoice_new"
PAID_STAGE = "payment_received"
STOPPING = {"PAID": "paid", "VOIDED": "voided", "DELETED": "deleted"}


def outbox_key(stage: str, tenant_id: str, invoice_id: str) -> str:
    return f"{KIND}:{stage}:{tenant_id}:{invoice_id.lower()}"


@dataclass
class Alerts:
    runtime: Runtime
    config: ServiceConfig
    executor: Executor
    connections: ServiceConnections

    async def on_invoice(self, session: Session, invoice: dict[str, Any]) -> str:
        """Act on an invoice's current state; returns what was done, for the event log."""
        if invoice.get("Type") != "ACCREC":
            return "ignored: not a sales invoice"
        status = str(invoice.get("Status") or "")
        invoice_id = str(invoice.get("InvoiceID") or "")
        tenant = session.tenant_id or ""
        store = self.runtime.store
        now = self.runtime.clock.now()
        await asyncio.to_thread(store.invoice_facts.remember_invoice, tenant, invoice, now)
        jobs = await self._jobs(tenant)
        if status in STOPPING:
            await asyncio.to_thread(store.outbox.stop_subject, tenant, invoice_id, STOPPING[status])
            done = f"reminders stopped ({STOPPING[status]})"
            if status == "PAID" and jobs.payment_thanks:
                subject = f"{invoice_id.lower()}:paid"
                sent = await self._send_once(session, invoice, "payment", PAID_STAGE, subject)
                return f"{done}; {PAID_STAGE}: {sent}"
            return done
        if status == "AUTHORISED" and jobs.invoice_alerts:
            stale = self._not_new(invoice)
            if stale:
                return f"{NEW_STAGE}: skipped: {stale}"
            sent = await self._send_once(session, invoice, "invoice", NEW_STAGE, invoice_id.lower())
            return f"{NEW_STAGE}: {sent}"
        return f"ignored: status {status or 'unknown'}"

    async def _jobs(self, tenant: str) -> Jobs:
        """The organisation's job switches (off entirely when it is switched off); the
        service's configuration when the tenant has no organisation row (explicit connections)."""
        org = await self.connections.organisation(tenant)
        if org is None:
            return Jobs(
                True, self.config.xero_wa_invoice_alerts, self.config.xero_wa_payment_alerts
            )
        return org.jobs if org.enabled else Jobs(False, False, False)

    def _not_new(self, invoice: dict[str, Any]) -> str | None:
        """Why an AUTHORISED invoice is not news (webhooks carry no previous state): one that is
        partly paid or already overdue was approved long ago, and reminders cover it."""
        if compose.money(invoice.get("AmountPaid")) > 0:
            return "partly paid, so not new"
        due = calendar_date(invoice, "DueDate")
        if due is not None and due < self.runtime.clock.now().date():
            return "already overdue (reminders cover it)"
        return None

    async def _send_once(
        self,
        session: Session,
        invoice: dict[str, Any],
        kind: compose.AlertKind,
        stage: str,
        subject: str,
    ) -> str:
        store = self.runtime.store
        tenant = session.tenant_id or ""
        invoice_id = str(invoice.get("InvoiceID"))
        item = Item(tenant, subject, stage)
        state = (await asyncio.to_thread(store.outbox.item_states, [item])).get(item)
        if state not in (None, "open"):
            return f"skipped: {state}"
        choice = compose.template_for(self.config, kind)
        contact = invoice.get("Contact") or {}
        contact_id = str(contact.get("ContactID") or "")
        name, phones = await self._contact(session, contact_id, contact)
        org = await get_organisation(XeroClient(self.runtime, session))
        region = default_region(self.runtime.settings.default_phone_region, org.get("CountryCode"))
        phone = whatsapp_number(phones, default_region=region)
        if phone.e164 is None:
            return f"skipped: {phone.reason}"  # (the detail quotes the number: not for logs)
        opted = await asyncio.to_thread(store.optouts.is_opted_out, tenant, contact_id, phone.e164)
        if opted is not None:
            return f"skipped: opted out ({opted.reason})"
        link, suffix = None, None
        if choice.needs_link:
            link = await self._pay_link(session, invoice_id)
            suffix = compose.link_suffix(link, self.config.xero_wa_pay_link_base)
            if choice.button and suffix is None:
                return "skipped: no online invoice link for the template's button"
        locale = compose.message_locale(self.config, org.get("CountryCode"))
        try:
            parts = compose.components(choice, invoice, name, locale, link=link, suffix=suffix)
        except ValueError as exc:  # e.g. no currency code: a retry cannot fix it, so park
            raise errors.InputError.single(f"template {choice.name}", str(exc)) from None
        key = outbox_key(stage, tenant, invoice_id)
        details = {"stage": stage, "invoiceNumber": invoice.get("InvoiceNumber")}
        claim = await asyncio.to_thread(
            lambda: store.outbox.claim(
                key,
                kind=KIND,
                items=[item],
                contact_id=contact_id,
                recipient=phone.e164,
                details=details,
            )
        )
        if not claim.granted:
            return f"skipped: {'; '.join(sorted(set(claim.blocked.values())))}"
        return await self._send(key, phone.e164, choice, parts, tenant)

    async def _send(
        self,
        key: str,
        to: str,
        choice: compose.TemplateChoice,
        parts: list[dict[str, Any]],
        tenant: str,
    ) -> str:
        outbox = self.runtime.store.outbox
        await asyncio.to_thread(outbox.mark_sending, key)
        try:
            client = WhatsAppClient(self.runtime, await self.connections.whatsapp(tenant))
            result = await client.send_template(
                to, choice.name, choice.language, parts, callback_data=key
            )
        except SendOutcomeUnknown as exc:
            await asyncio.to_thread(outbox.mark_unknown, key, exc.message)
            return "outcome unknown (held for review, never resent)"
        except errors.XeroWaError as exc:
            retry = _worth_retrying(exc)
            code = str(meta_code(exc) or exc.code)
            await asyncio.to_thread(outbox.mark_failed, key, code, exc.message, retry=retry)
            if retry:
                raise
            return f"failed: {exc.code} {code}"
        await asyncio.to_thread(outbox.mark_sent, key, result.message_id)
        log.info("alert %s sent as %s", key, result.message_id)
        return "sent"

    async def _contact(
        self, session: Session, contact_id: str, summary: dict[str, Any]
    ) -> tuple[str, list[dict[str, Any]]]:
        """Name and phones: the invoice's summary, else the cache, else one getContact call."""
        name = str(summary.get("Name") or "")
        phones = [p for p in summary.get("Phones") or [] if p.get("PhoneNumber")]
        if phones or not contact_id:
            return name, phones
        cache = self.runtime.store.contacts_cache
        tenant = session.tenant_id or ""
        cached = (await asyncio.to_thread(cache.get_many, tenant, [contact_id])).get(
            contact_id.lower()
        )
        if cached is not None:
            return cached.name or name, list(cached.phones)
        result = await self.executor.invoke(
            "getContact", {"contactId": contact_id}, session=session
        )
        contact = first_record(result["data"], "Contacts")
        await asyncio.to_thread(refresh_contacts, self.runtime, tenant, [contact])
        return str(contact.get("Name") or name), list(contact.get("Phones") or [])

    async def _pay_link(self, session: Session, invoice_id: str) -> str | None:
        """Xero's online invoice URL: cached for good, fetched once (it never changes)."""
        repo = self.runtime.store.paylinks
        tenant = session.tenant_id or ""
        cached = await asyncio.to_thread(repo.get, tenant, invoice_id)
        if cached is not None:
            return cached.url
        try:
            result = await self.executor.invoke(
                "getOnlineInvoiceUrl", {"invoiceId": invoice_id}, session=session
            )
        except errors.UpstreamError as exc:
            if exc.status in (400, 404):
                await asyncio.to_thread(repo.put, tenant, invoice_id, None, note=exc.message)
                return None
            raise
        url = first_record(result["data"], "OnlineInvoices").get("OnlineInvoiceUrl")
        url = url if isinstance(url, str) and url.startswith("https://") else None
        await asyncio.to_thread(repo.put, tenant, invoice_id, url)
        return url


def _worth_retrying(exc: errors.XeroWaError) -> bool:
    """Transient Meta errors and connection problems: a later attempt may succeed."""
    if isinstance(exc, errors.ConnectionError):
        return True
    return isinstance(exc, errors.UpstreamError) and exc.retryable


def first_record(data: Any, collection: str) -> dict[str, Any]:
    """``{"Invoices": [{...}]}`` → the first record; an UpstreamError when there is none."""
    items = data.get(collection) if isinstance(data, dict) else None
    if not isinstance(items, list) or not items or not isinstance(items[0], dict):
        raise errors.UpstreamError(
            f"Xero's answer has no {collection}", errors.UpstreamInfo("xero", 200)
        )
    record: dict[str, Any] = items[0]
    return record


def refresh_contacts(runtime: Runtime, tenant_id: str, contacts: list[dict[str, Any]]) -> int:
    """Store contacts' names and phones in the contacts cache the reminder job reads."""
    rows = [
        (
            str(c["ContactID"]),
            str(c.get("Name") or ""),
            list(c.get("Phones") or []),
            str(c["UpdatedDateUTC"]) if c.get("UpdatedDateUTC") else None,
        )
        for c in contacts
        if c.get("ContactID")
    ]
    return runtime.store.contacts_cache.put_many(tenant_id, rows) if rows else 0
