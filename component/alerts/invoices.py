"""What an invoice's current state means: a "new invoice" alert, stopped reminders, a thank-you.

Webhooks carry no record and no previous state, so decisions are made on the invoice as it is
now, and made idempotent by the outbox instead of by remembering what was seen:

- a sales invoice (ACCREC) that is AUTHORISED gets one ``invoice_new`` alert, ever (outbox item
  (tenant, InvoiceID, "invoice_new"));
- a PAID one stops its reminders (``stop``, committed first: it matters most) and, when enabled,
  gets one ``payment_received`` message (item (tenant, "<InvoiceID>:paid", "payment_received"),
  a subject of its own, as the invoice's own subject is now stopped);
- VOIDED and DELETED stop its reminders too.

A send is a notification like any other (``component.notify``): recipient, opt-outs, pay link,
locale, then the outbox protocol, with the outbox key as ``biz_opaque_callback_data`` so a status
webhook can settle an unknown outcome. A refusal worth retrying (Meta transient, configuration,
connection) is raised, so the worker retries the event and the claim is reopened; an unknown
outcome is never resent. A recipient with messages queued ahead defers the event to its turn
(``notify.pacing``): its wait never holds up alerts to other customers.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import Any

from component import errors
from component.alerts import compose
from component.executor import Executor
from component.notify import links, recipient
from component.notify import outbox as protocol
from component.notify.locale import message_locale, money
from component.notify.optouts import opted_out
from component.notify.pacing import Deferred, turns_for
from component.orgs.view import Jobs
from component.runtime import Runtime
from component.service.config import ServiceConfig
from component.service.connections import ServiceConnections
from component.sessions import Session
from component.storage.outbox_reads import Item
from component.whatsapp.client import WhatsAppClient
from component.xero.client import XeroClient
from component.xero.dates import calendar_date
from component.xero.organisation import get_organisation

log = logging.getLogger("xero_wa.alerts")

KIND = "alert"
NEW_STAGE = "invoice_new"
PAID_STAGE = "payment_received"
STOPPING = {"PAID": "paid", "VOIDED": "voided", "DELETED": "deleted"}


def outbox_key(stage: str, tenant_id: str, invoice_id: str) -> str:
    return f"{KIND}:{stage}:{tenant_id}:{invoice_id.lower()}"


def stop_reason(invoice: dict[str, Any]) -> str | None:
    """Why no reminder may go out for this invoice any more (paid, voided...), or None."""
    if invoice.get("Type") != "ACCREC":
        return None
    return STOPPING.get(str(invoice.get("Status") or ""))


async def stop(runtime: Runtime, tenant_id: str, invoice: dict[str, Any]) -> str | None:
    """Stop the invoice's reminders if its state says so; returns the reason."""
    reason = stop_reason(invoice)
    if reason is not None:
        invoice_id = str(invoice.get("InvoiceID") or "").lower()
        await asyncio.to_thread(runtime.store.outbox.stop_subject, tenant_id, invoice_id, reason)
    return reason


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
        stopped = await stop(self.runtime, tenant, invoice)
        store = self.runtime.store
        now = self.runtime.clock.now()
        await asyncio.to_thread(store.invoice_facts.remember_invoice, tenant, invoice, now)
        jobs = await self._jobs(tenant)
        if stopped is not None:
            done = f"reminders stopped ({stopped})"
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
        if money(invoice.get("AmountPaid")) > 0:
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
        runtime = self.runtime
        tenant = session.tenant_id or ""
        invoice_id = str(invoice.get("InvoiceID"))
        item = Item(tenant, subject, stage)
        state = (await asyncio.to_thread(runtime.store.outbox.item_states, [item])).get(item)
        if state not in (None, "open"):
            return f"skipped: {state}"
        choice = compose.template_for(self.config, kind)
        xero = XeroClient(runtime, session)
        org = await get_organisation(xero)
        region = recipient.phone_region(runtime, None, org.get("CountryCode"))
        contact = invoice.get("Contact") or {}
        who = await recipient.lookup(runtime, self.executor, session, contact, region)
        if who.e164 is None:
            return f"skipped: {who.number.reason}"  # (the detail quotes the number: not for logs)
        why = await opted_out(runtime, tenant, who.contact_id, who.e164)
        if why is not None:
            return f"skipped: opted out ({why})"
        key = outbox_key(stage, tenant, invoice_id)
        client = await self._client(tenant)
        wait = turns_for(runtime, client.pacer, client.phone_number_id).wait(who.e164, key)
        if wait > 0:
            raise Deferred(wait, f"the recipient has messages queued ahead: turn in {wait:.0f} s")
        link = suffix = None
        if choice.needs_link:
            found = await links.pay_link(xero, invoice_id)
            if found.url is None and not found.definite:
                raise errors.UpstreamError(
                    f"the online invoice link could not be read: {found.why}",
                    errors.UpstreamInfo("xero", retryable=True),
                )
            link = found.url
            suffix = links.button_suffix(link, runtime.settings.xero_wa_pay_link_base)
            if choice.button and suffix is None:
                return "skipped: no online invoice link for the template's button"
        locale = message_locale(self.config.xero_wa_message_locale, org.get("CountryCode"))
        today = runtime.clock.now().date()
        try:
            parts = compose.components(
                choice, compose.facts(invoice, who.name, locale, today, link), suffix=suffix
            )
        except ValueError as exc:  # e.g. no currency code: a retry cannot fix it, so park
            raise errors.InputError.single(f"template {choice.name}", str(exc)) from None
        envelope = protocol.Envelope(
            key=key,
            kind=KIND,
            items=(item,),
            contact_id=who.contact_id,
            contact_name=who.name,
            recipient=who.e164,
            invoices=({"id": invoice_id, "number": invoice.get("InvoiceNumber"), "stage": stage},),
        )
        claim = await protocol.claim(runtime, envelope)
        if not claim.granted:
            return f"skipped: {'; '.join(sorted(set(claim.blocked.values())))}"
        return await self._send(client, envelope, choice, parts)

    async def _client(self, tenant: str) -> WhatsAppClient:
        return WhatsAppClient(self.runtime, await self.connections.whatsapp(tenant))

    async def _send(
        self,
        client: WhatsAppClient,
        envelope: protocol.Envelope,
        choice: compose.TemplateChoice,
        parts: list[Any],
    ) -> str:
        to = str(envelope.recipient)

        async def send(leaving: protocol.Leaving) -> str:
            result = await client.send_template(
                to,
                choice.name,
                choice.language,
                parts,
                callback_data=envelope.key,
                on_leaving=leaving,
                on_accepted=leaving.accepted,
            )
            return result.message_id

        outcome = await protocol.deliver(self.runtime, envelope.key, send)
        if outcome.sent:
            log.info("alert %s sent as %s", envelope.key, outcome.message_id)
            return "sent"
        if outcome.state == "cancelled":
            return f"not sent: {outcome.reason}"
        refusal = outcome.refusal
        assert refusal is not None
        if outcome.state == "unknown":
            return "outcome unknown (held for review, never resent)"
        if refusal.retry:
            raise refusal.error
        return f"failed: {refusal.error.code} {refusal.code}"
