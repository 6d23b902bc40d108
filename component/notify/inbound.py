"""What a signed WhatsApp delivery changes in the store (run in a thread, before the 200).

- each status is stored once per (message id, status) (``store.messages.record_status``); a
  duplicate delivery changes nothing;
- a sent/delivered/read status whose ``biz_opaque_callback_data`` is an outbox key settles a
  message whose send outcome was unknown (``outbox.resolve``): it did go out;
- a ``failed`` status with 131026 (not on WhatsApp) for a reminder queues a durable
  ``WHATSAPP/UNDELIVERABLE`` event: the worker asks Xero to e-mail the invoice instead (slow
  work never runs before Meta's 200);
- an inbound message whose words are a STOP word opts the sender's number out of reminders; a
  START word opts it back in.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

from component.runtime import Runtime
from component.service.config import ServiceConfig, normalise_word
from component.storage.events import NewEvent
from component.whatsapp import identity
from component.whatsapp.payload import Inbound, StatusUpdate

log = logging.getLogger("xero_wa.service.webhooks.whatsapp")

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

    def __str__(self) -> str:
        return (
            f"{self.stored} status(es) stored, {self.duplicates} duplicate(s), "
            f"{self.resolved} resolved, {self.fallbacks} fallback(s) queued, "
            f"{self.opted_out} opted out, {self.opted_in} opted in"
        )


def apply(
    runtime: Runtime,
    config: ServiceConfig,
    statuses: Sequence[StatusUpdate],
    inbound: Sequence[Inbound],
) -> Applied:
    applied = Applied()
    identity.learn(runtime, statuses, inbound)
    for status in statuses:
        _status(runtime, status, applied)
    stop, start = config.stop_words(), config.start_words()
    for message in inbound:
        if message.kind == "system":
            log.info("whatsapp identity: %s", identity.apply_change(runtime, message))
            continue
        word = normalise_word(message.text)
        if word in stop:
            applied.opted_out += _opt(runtime, message, out=True, reason=f"replied {word}")
        elif word in start:
            applied.opted_in += _opt(runtime, message, out=False, reason="")
    return applied


def _opt(runtime: Runtime, message: Inbound, *, out: bool, reason: str) -> int:
    """STOP / START from a number, or from a BSUID alone (a customer with a username): the
    number behind the id when it is known, and the id itself either way."""
    optouts = runtime.store.optouts
    phone = identity.phone_of(runtime, message)
    if phone is None and message.user_id is None:
        log.warning("STOP/START from a sender with neither phone nor user id: ignored")
        return 0
    if phone is not None:
        optouts.add_phone(phone, reason=reason) if out else optouts.remove_phone(phone)
    if message.user_id is not None:
        optouts.add_user(message.user_id, reason=reason) if out else optouts.remove_user(
            message.user_id
        )
    return 1


def _status(runtime: Runtime, status: StatusUpdate, applied: Applied) -> None:
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
        applied.duplicates += 1
        return
    applied.stored += 1
    key = status.callback_data
    if key is None:
        return
    if status.status in SENT_STATUSES and store.outbox.resolve(key, status.wamid):
        applied.resolved += 1
        log.info("outbox message %s settled as sent by a %s status", key, status.status)
    if status.status == "failed" and UNDELIVERABLE in status.error_codes():
        applied.fallbacks += _queue_fallback(runtime, key, status)


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
