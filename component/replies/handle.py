"""The worker's half of a reply (a ``WHATSAPP/REPLY`` event): answers, Xero, the owner.

By what the customer meant (``record`` already paused chasing):

- **Stop reminders** (a tap or a STOP word): "you will get no more reminders", once per number;
- **Paid already**: a History note on each invoice in Xero ("Customer says paid on 1 Dec 2026
  (WhatsApp, tapped Paid already)"), a thank-you, the owner told;
- **Need more time**: the customer is asked for a date within ``replies.promiseMaxDays``; their
  next message is read as that date (``dates``): a date within the limit pauses chasing until
  the date plus ``replies.promiseGraceDays`` (one reminder follows the day after, if the invoice
  is still unpaid: ``component.reminders.plan``), and is confirmed; anything else is asked again
  with what was wrong, twice, and then handed to the owner;
- **anything else**: the owner is told (``customer_reply``), once per message.

The owner is the organisation's owner number (``orgs set --owner-phone``, else
``XERO_WA_OWNER_PHONE``); ``replies.forwardToOwner: false`` keeps replies in the review list only.
"""

from __future__ import annotations

import asyncio
import hashlib
from datetime import date, datetime, timedelta
from typing import Any

from component import errors
from component.notify.notes import MAX_NOTE
from component.reminders.policy import Replies
from component.replies import answer as a
from component.replies.dates import promised_date
from component.replies.settings import replies_policy
from component.runtime import Runtime
from component.storage.events import Event
from component.storage.replies import Reply
from component.whatsapp.client import WhatsAppClient
from component.xero.client import XeroClient

MAX_DATE_ATTEMPTS = 3


async def process(runtime: Runtime, connections: Any, event: Event) -> str:
    """Do the reply's work; raises XeroWaError for the worker to retry or park."""
    from component.replies.record import FALLBACK

    if event.event_type == FALLBACK:
        client = WhatsAppClient(runtime, await connections.whatsapp(event.tenant_id))
        return await a.fallback(runtime, client, event.resource_id)
    reply = await asyncio.to_thread(runtime.store.replies.get, event.resource_id)
    if reply is None or not reply.contact_id:
        return "reply not recorded or not matched: nothing to do"
    org = await connections.organisation(reply.tenant_id)
    org_name = org.name if org is not None else reply.tenant_id
    owner = (org.row.owner_phone if org is not None else None) or connections.defaults.owner_phone
    settings = await asyncio.to_thread(replies_policy, runtime, reply.tenant_id)
    client = WhatsAppClient(runtime, await connections.whatsapp(reply.tenant_id))
    work = Work(runtime, client, reply, settings, org_name, owner)
    if reply.intent == "stop":
        return await work.stopped()
    if reply.intent == "paid":
        return await work.paid(await connections.xero(reply.tenant_id))
    if reply.intent == "more_time":
        return await work.more_time()
    if reply.outcome == "answer to the date question":
        return await work.date_given()
    return await work.tell_owner(reply.text)


class Work:
    def __init__(
        self,
        runtime: Runtime,
        client: WhatsAppClient,
        reply: Reply,
        settings: Replies,
        org_name: str,
        owner: str | None,
    ) -> None:
        self.runtime = runtime
        self.client = client
        self.reply = reply
        self.settings = settings
        self.org_name = org_name
        self.owner = owner
        self.numbers = _invoice_numbers(runtime, reply)
        self.name = reply.contact_name or "customer"

    def said(self, purpose: str, text: str, template: str, *parameters: str) -> a.Answer:
        return a.Answer(purpose, text, template, parameters, self.settings.language)

    async def stopped(self) -> str:
        subject = self.reply.phone or self.reply.user_id or ""
        first = await asyncio.to_thread(
            self.runtime.store.replies.confirm_once, subject, self.runtime.clock.now()
        )
        if not first:
            return "opted out (already confirmed)"
        text = (
            f"You will get no more payment reminders from {self.org_name} on WhatsApp. "
            "Reply START to get them again."
        )
        return await a.answer(
            self.runtime,
            self.client,
            self.reply,
            self.said("optout", text, "optout_confirmed", self.name),
        )

    async def paid(self, xero: Any) -> str:
        day = _day(self.reply)
        note = f"Customer says paid on {day:%d %b %Y} (WhatsApp: {self.reply.text[:200]})"
        written = await _notes(XeroClient(self.runtime, xero), self.reply, note)
        text = (
            f"Thank you. We have told {self.org_name} that invoice {self.numbers} is paid; "
            "reminders are paused while they check the payment."
        )
        said = await a.answer(
            self.runtime,
            self.client,
            self.reply,
            self.said("paid", text, "paid_noted", self.name, self.numbers),
        )
        told = await self.tell_owner("Paid already (the invoice is paid)")
        return f"{written}; {said}; {told}"

    async def more_time(self) -> str:
        days = self.settings.promise_max_days
        text = (
            f"Thank you. By what date will you pay invoice {self.numbers}? Please reply with a "
            f"date within the next {days} days, for example "
            f"{_day(self.reply) + timedelta(days=min(7, days)):%d %b}."
        )
        said = await a.answer(
            self.runtime,
            self.client,
            self.reply,
            self.said("ask_date", text, "promise_ask", self.name, self.numbers, str(days)),
        )
        told = await self.tell_owner(f"asks for more time to pay invoice {self.numbers}")
        return f"{said}; {told}"

    async def date_given(self) -> str:
        store = self.runtime.store.replies
        reply, settings = self.reply, self.settings
        understood = promised_date(reply.text, _day(reply), settings.promise_max_days)
        contact = (reply.tenant_id, reply.contact_id or "")
        if understood.day is None:
            tries = await asyncio.to_thread(store.count_date_attempt, *contact)
            if tries >= MAX_DATE_ATTEMPTS:
                return await self.tell_owner(f"could not give a payment date: {reply.text}")
            text = f"Sorry, {understood.problem}."
            return await a.answer(
                self.runtime,
                self.client,
                reply,
                self.said(
                    f"ask_date_{tries}",
                    text,
                    "promise_ask",
                    self.name,
                    self.numbers,
                    str(settings.promise_max_days),
                ),
            )
        day = understood.day
        pause = await asyncio.to_thread(store.pause_of, *contact)
        until = datetime.combine(
            day + timedelta(days=settings.promise_grace_days + 1),
            datetime.min.time(),
            tzinfo=self.runtime.clock.now().tzinfo,
        )
        await asyncio.to_thread(
            lambda: store.pause(
                *contact,
                "promise",
                until,
                now=self.runtime.clock.now(),
                invoice_ids=pause.invoice_ids if pause else reply.invoice_ids,
                reply_wamid=reply.wamid,
                promise_date=day.isoformat(),
            )
        )
        shown = f"{day:%d %b %Y}"
        text = f"Thank you. We have noted that you will pay invoice {self.numbers} by {shown}."
        said = await a.answer(
            self.runtime,
            self.client,
            reply,
            self.said("date_noted", text, "promise_noted", self.name, self.numbers, shown),
        )
        told = await self.tell_owner(f"promises to pay invoice {self.numbers} by {shown}")
        return f"promise {day.isoformat()}: {said}; {told}"

    async def tell_owner(self, what: str) -> str:
        if not self.settings.forward_to_owner:
            return "owner not told (replies.forwardToOwner is off)"
        if not self.owner:
            return "owner not told: no owner number (orgs set --owner-phone)"
        said = self.said(
            "forward", "", "customer_reply", self.org_name, self.name, self.numbers, what
        )
        try:
            outcome = await a.tell(self.runtime, self.client, self.reply, self.owner, said)
        except errors.InputError as exc:
            return f"owner not told: {exc.message}"
        if outcome == "sent":
            await asyncio.to_thread(
                self.runtime.store.replies.owner_told, self.reply.wamid, self.runtime.clock.now()
            )
        return f"owner {outcome}"


def _day(reply: Reply) -> date:
    return date.fromisoformat(reply.received_at[:10])


def _invoice_numbers(runtime: Runtime, reply: Reply) -> str:
    sent = runtime.store.outbox.get(reply.reminder_key) if reply.reminder_key else None
    invoices = sent.details.get("invoices") if sent is not None else None
    numbers = [
        str(i.get("number"))
        for i in invoices or []
        if isinstance(i, dict)
        and str(i.get("id", "")).lower() in {x.lower() for x in reply.invoice_ids}
    ]
    return ", ".join(numbers) or ", ".join(reply.invoice_ids) or "-"


def paid_note_key(wamid: str, invoice_id: str) -> str:
    """The Idempotency-Key of one invoice's note (Xero keeps keys up to 128 characters): a
    digest of both, so a reply about several invoices never reuses one invoice's key for
    another (Xero refuses a key already used with a different request)."""
    digest = hashlib.sha256(f"{wamid}|{invoice_id}".encode()).hexdigest()
    return f"paid-{digest[:48]}"


async def _notes(client: XeroClient, reply: Reply, text: str) -> str:
    """One History note per invoice ("Customer says paid on …"), idempotent per reply."""
    written = 0
    for invoice_id in reply.invoice_ids:
        try:
            await client.request(
                "PUT",
                f"/Invoices/{invoice_id}/History",
                json={"HistoryRecords": [{"Details": text[:MAX_NOTE]}]},
                idempotency_key=paid_note_key(reply.wamid, invoice_id),
                what="adding a history note to the invoice",
            )
        except errors.UpstreamError as exc:
            if exc.status == 404:
                continue
            raise
        written += 1
    return f"{written} Xero history note(s)"
