"""What WhatsApp tells us about our messages and our customers (a signed webhook, applied
before Meta gets its 200, in a thread).

Two entry points, one per kind of thing a delivery carries:

- :func:`on_status` — a status of a message we sent:
  each status is stored once per (message id, status) (``store.messages.record_status``; a
  duplicate delivery changes nothing); a sent/delivered/read status whose
  ``biz_opaque_callback_data`` is an outbox key settles a message whose send outcome was unknown
  (``outbox.resolve``: it did go out); a ``failed`` status with 131026 (not on WhatsApp) for a
  reminder queues a durable ``WHATSAPP/UNDELIVERABLE`` event, so the worker asks Xero to e-mail
  the invoice instead (slow work never runs before Meta's 200).
- :func:`on_inbound` — a message a customer sent us:
  a reply whose whole text is a STOP word opts the sender's number out of every message, a START
  word opts it back in (``notify.optouts``); anything else is returned as ``"reply"`` for the
  caller to act on (it changes nothing here). This is the one place inbound messages are read:
  reply handling (pausing reminders, quick-reply buttons, business-scoped user ids) builds on it.

:func:`apply` runs both over a whole delivery (``component.whatsapp.payload.parse``).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

from component.notify.optouts import ReplyWords, normalise_word, reply_words
from component.runtime import Runtime
from component.storage.events import NewEvent
from component.whatsapp import identity
from component.whatsapp.payload import Inbound, StatusUpdate

log = logging.getLogger("xero_wa.notify.inbound")

SENT_STATUSES = frozenset({"sent", "delivered", "read", "played"})
UNDELIVERABLE = 131026
FALLBACK_CATEGORY = "WHATSAPP"
FALLBACK_TYPE = "UNDELIVERABLE"


@dataclass
class Applied:
    stored: int = 0
    duplicates: int = 0
    resolved: int = 0
    fallbacks: int = 0
    opted_out: int = 0
    opted_in: int = 0
    replies: int = 0

    def __str__(self) -> str:
        return (
            f"{self.stored} status(es) stored, {self.duplicates} duplicate(s), "
            f"{self.resolved} resolved, {self.fallbacks} fallback(s) queued, "
            f"{self.opted_out} opted out, {self.opted_in} opted in, {self.replies} other repl(ies)"
        )


def apply(
    runtime: Runtime, statuses: Sequence[StatusUpdate], inbound: Sequence[Inbound]
) -> Applied:
    """Apply every status and inbound message of one delivery; returns the counts."""
    applied = Applied()
    identity.learn(runtime, statuses, inbound)
    for status in statuses:
        outcome = on_status(runtime, status)
        if outcome == "duplicate":
            applied.duplicates += 1
            continue
        applied.stored += 1
        applied.resolved += outcome.startswith("resolved")
        applied.fallbacks += outcome.endswith("e-mail fallback queued")
    words = reply_words(runtime.settings)
    for message in inbound:
        outcome = on_inbound(runtime, message, words)
        applied.opted_out += outcome == "stop"
        applied.opted_in += outcome == "start"
        applied.replies += outcome == "reply"
    return applied


def on_inbound(runtime: Runtime, message: Inbound, words: ReplyWords | None = None) -> str:
    """One customer message: ``"stop"`` (opted out), ``"start"`` (opted in), ``"identity"`` (a
    system message: number or user id changed), ``"ignored"`` (a STOP/START from nobody we can
    name), or ``"reply"`` (anything else, for the caller to act on)."""
    if message.kind == "system":
        log.info("whatsapp identity: %s", identity.apply_change(runtime, message))
        return "identity"
    words = words or reply_words(runtime.settings)
    word = words.classify(message.text)
    if word is None:
        return "reply"
    reason = f"replied {normalise_word(message.text)}"
    if not _opt(runtime, message, out=word == "stop", reason=reason):
        return "ignored"
    return word


def _opt(runtime: Runtime, message: Inbound, *, out: bool, reason: str) -> bool:
    """STOP / START from a number, or from a BSUID alone (a customer with a username): the
    number behind the id when it is known, and the id itself either way."""
    optouts = runtime.store.optouts
    phone = identity.phone_of(runtime, message)
    if phone is None and message.user_id is None:
        log.warning("STOP/START from a sender with neither phone nor user id: ignored")
        return False
    if phone is not None:
        if out:
            optouts.add_phone(phone, reason=reason, source="whatsapp_reply")
        else:
            optouts.remove_phone(phone)
    if message.user_id is not None:
        if out:
            optouts.add_user(message.user_id, reason=reason)
        else:
            optouts.remove_user(message.user_id)
    return True


def on_status(runtime: Runtime, status: StatusUpdate) -> str:
    """One status: ``"duplicate"``, ``"stored"``, ``"resolved"``, or with the fallback queued."""
    store = runtime.store
    new = store.messages.record_status(
        status.wamid,
        status.status,
        status.timestamp,
        status.recipient,
        status.errors or None,
        status.callback_data,
        received_at=runtime.clock.now(),
    )
    if not new:
        return "duplicate"
    key = status.callback_data
    if key is None:
        return "stored"
    outcome = "stored"
    if status.status in SENT_STATUSES and store.outbox.resolve(key, status.wamid):
        log.info("outbox message %s settled as sent by a %s status", key, status.status)
        outcome = "resolved"
    undeliverable = status.status == "failed" and UNDELIVERABLE in status.error_codes()
    if undeliverable and _queue_fallback(runtime, key, status):
        outcome = f"{outcome}; e-mail fallback queued"
    return outcome


def _queue_fallback(runtime: Runtime, key: str, status: StatusUpdate) -> int:
    """Queue the e-mail fallback of a reminder WhatsApp could not deliver (once per message)."""
    message = runtime.store.outbox.get(key)
    if message is None or message.kind != "reminder":
        return 0
    event = NewEvent(
        tenant_id=message.tenant_id,
        category=FALLBACK_CATEGORY,
        resource_id=key,
        event_type=FALLBACK_TYPE,
        event_date=status.wamid,
        source="whatsapp",
    )
    return runtime.store.events.enqueue([event], runtime.clock.now())
