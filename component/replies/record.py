"""A customer's message, before Meta gets its 200: matched, recorded, chasing paused, work queued.

Run in the webhook's thread for every inbound message that is not a system message (STOP/START
words were already applied by ``notify.inbound``). Only the store is touched here; sending
(answers, the owner's message) and Xero (the history note) happen in the worker, from the durable
``WHATSAPP/REPLY`` event queued here, so a slow call never delays Meta's 200 and a crash loses
nothing.

Matching: the message a tap or a reply quotes (``context.id``) names the reminder exactly; else
the latest reminder sent to the sender's number (the number behind a BSUID when Meta withheld
it). A reminder is open while one of its invoices is not stopped (paid, voided). A quoted
reminder sent to another number than the sender's is not trusted (the number is used instead).
No open reminder: the message is recorded (``outcome`` says so) and nothing else happens; a
"Stop reminders" tap still opts out the sender's own number and id, never anyone else's.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from component.replies.intents import Intent, intent_of
from component.replies.settings import replies_policy
from component.runtime import Runtime
from component.storage.events import NewEvent
from component.storage.replies import Reply
from component.storage.wa_identities import e164
from component.whatsapp import identity
from component.whatsapp.payload import Inbound

log = logging.getLogger("xero_wa.replies")

CATEGORY = "WHATSAPP"
REPLY = "REPLY"
FALLBACK = "REPLY_FALLBACK"


@dataclass(frozen=True)
class Match:
    tenant_id: str
    contact_id: str
    contact_name: str
    recipient: str | None
    invoice_ids: tuple[str, ...]
    reminder_key: str


def on_reply(runtime: Runtime, message: Inbound, word: str) -> str:
    """Record one customer message and apply its immediate effects; returns a log line.

    ``word`` is what ``notify.inbound`` made of it: ``stop`` (a STOP word: already opted out),
    ``start`` or ``reply``."""
    intent: Intent = "stop" if word == "stop" else intent_of(message)
    if word == "start":
        _forget_confirmation(runtime, message)
        intent = "text"
    phone = identity.phone_of(runtime, message)
    found = match(runtime, message, phone)
    now = runtime.clock.now()
    if intent == "stop" and word != "stop":
        _opt_out(runtime, message, phone)
    outcome = _effects(runtime, message, intent, found, now) if found else "no open reminder"
    reply = Reply(
        wamid=message.wamid,
        tenant_id=found.tenant_id if found else "",
        contact_id=found.contact_id if found else None,
        contact_name=found.contact_name if found else None,
        phone=phone,
        user_id=message.user_id,
        username=message.username,
        kind=message.kind,
        intent=intent,
        text=message.text[:2000],
        payload=message.payload,
        context_wamid=message.context_id,
        invoice_ids=found.invoice_ids if found else (),
        reminder_key=found.reminder_key if found else None,
        outcome=outcome,
        received_at=received_at(message, now),
        owner_told_at=None,
        reviewed=False,
    )
    if not runtime.store.replies.record(reply):
        return f"reply {message.wamid}: a redelivery, nothing done again"
    if found is None:
        log.info(
            "reply %s (%s) from a sender with no open reminder: recorded", message.wamid, intent
        )
        return f"reply {message.wamid}: no open reminder, recorded"
    event = NewEvent(
        found.tenant_id, CATEGORY, message.wamid, REPLY, reply.received_at, source="whatsapp"
    )
    runtime.store.events.enqueue([event], now)
    return f"reply {message.wamid} ({intent}): {outcome}"


def match(runtime: Runtime, message: Inbound, phone: str | None) -> Match | None:
    """The open reminder this message answers (see module docstring), or None."""
    replies = runtime.store.replies
    key = replies.outbox_key_of(message.context_id) if message.context_id else None
    found = _open(runtime, key, phone) if key else None
    if found is None and phone:
        latest = replies.last_reminder_to(phone)
        found = _open(runtime, latest["key"], phone) if latest else None
    return found


def _open(runtime: Runtime, key: str, phone: str | None) -> Match | None:
    outbox = runtime.store.outbox
    sent = outbox.get(key)
    if sent is None or sent.kind != "reminder" or not sent.contact_id:
        return None
    if phone and sent.recipient and e164(sent.recipient) != phone:
        log.warning("reply quotes a reminder sent to another number: matched by number instead")
        return None
    items = outbox.items_of(key)
    open_ids = tuple(
        dict.fromkeys(
            i.subject_id for i in items if outbox.stop_reason(sent.tenant_id, i.subject_id) is None
        )
    )
    if not open_ids:
        return None
    name = str(sent.details.get("contact") or "")
    return Match(sent.tenant_id, sent.contact_id, name, sent.recipient, open_ids, key)


def _effects(
    runtime: Runtime, message: Inbound, intent: Intent, found: Match, now: datetime
) -> str:
    """Pause (or read the promised date later): what changed, for the review list."""
    replies = runtime.store.replies
    settings = replies_policy(runtime, found.tenant_id)
    until = now + timedelta(days=settings.pause_days)
    args = (found.tenant_id, found.contact_id)
    if intent == "stop":
        return "opted out"
    if intent == "paid":
        replies.pause(
            *args, "paid", until, now=now, invoice_ids=found.invoice_ids, reply_wamid=message.wamid
        )
        return f"says paid: reminders paused until {until:%Y-%m-%d}"
    if intent == "more_time":
        replies.pause(
            *args,
            "asking_date",
            until,
            now=now,
            invoice_ids=found.invoice_ids,
            reply_wamid=message.wamid,
        )
        return f"asked for more time: reminders paused until {until:%Y-%m-%d}, date asked"
    pause = replies.pause_of(*args)
    if pause is not None and pause.kind == "asking_date" and pause.active(now):
        return "answer to the date question"
    replies.pause(
        *args, "reply", until, now=now, invoice_ids=found.invoice_ids, reply_wamid=message.wamid
    )
    return f"replied: reminders paused until {until:%Y-%m-%d}"


def _opt_out(runtime: Runtime, message: Inbound, phone: str | None) -> None:
    optouts = runtime.store.optouts
    reason = "tapped Stop reminders"
    if phone:
        optouts.add_phone(phone, reason=reason, source="whatsapp_reply")
    if message.user_id:
        optouts.add_user(message.user_id, reason=reason)


def _forget_confirmation(runtime: Runtime, message: Inbound) -> None:
    for subject in (e164(message.sender), message.user_id):
        if subject:
            runtime.store.replies.forget_confirmation(subject)


def received_at(message: Inbound, now: datetime) -> str:
    """Meta's timestamp (Unix seconds) as the store's UTC text; ``now`` when it is unusable."""
    from component.storage.events import stamp

    try:
        moment = datetime.fromtimestamp(int(message.timestamp), UTC)
    except (ValueError, OverflowError, OSError):
        return stamp(now)
    return stamp(moment if moment.year > 2000 else now)


REPLY_TYPES = (REPLY, FALLBACK)


def reply_fallback(runtime: Runtime, key: str) -> str:
    """An answer sent as text failed with 131047 (outside the window): queue its template."""
    sent = runtime.store.outbox.get(key)
    if sent is None or sent.kind != "reply" or key.endswith(":template"):
        return "131047 for a message that is not a text answer: recorded"
    event = NewEvent(sent.tenant_id, CATEGORY, key, FALLBACK, key, source="whatsapp")
    queued = runtime.store.events.enqueue([event], runtime.clock.now())
    return "template answer queued" if queued else "template answer already queued"
