"""Who sent this? Phone numbers and business-scoped user ids (BSUIDs) in one answer.

Every signed WhatsApp delivery teaches the store who is who (:func:`learn`): a status of a
message we sent to a number carries that number and the recipient's BSUID; an inbound message
may carry both, or only the BSUID (a customer with a username). :func:`phone_of` answers the
question every consumer of an inbound message asks (which number, hence which Xero contact, is
this?), following the mapping when Meta withheld the number. :func:`apply_change` follows the
system messages so a customer who changed number or id keeps their history and opt-out.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from component.runtime import Runtime
from component.storage.wa_identities import e164
from component.whatsapp.payload import Inbound, StatusUpdate

log = logging.getLogger("xero_wa.whatsapp.identity")


def learn(runtime: Runtime, statuses: Sequence[StatusUpdate], inbound: Sequence[Inbound]) -> int:
    """Store every (BSUID, phone, username) the delivery reveals; returns how many."""
    now = runtime.clock.now()
    identities = runtime.store.identities
    learned = 0
    for status in statuses:
        if status.recipient_user_id:
            identities.learn(status.recipient_user_id, status.recipient, None, now)
            learned += 1
    for message in inbound:
        if message.user_id and message.kind != "system":
            identities.learn(message.user_id, message.sender, message.username, now)
            learned += 1
    return learned


def phone_of(runtime: Runtime, message: Inbound) -> str | None:
    """The sender's number in E.164: given, or known from their BSUID; None when unknown."""
    if message.sender:
        return e164(message.sender)
    if message.user_id:
        return runtime.store.identities.phone_for(message.user_id)
    return None


def apply_change(runtime: Runtime, message: Inbound) -> str:
    """A ``user_changed_number`` / ``user_changed_user_id`` system message: map the new ids to
    the same person, and move a phone opt-out to the new number. Returns a log line."""
    change = message.change
    if change is None or not change.user_id:
        return "system message without a new user id: ignored"
    store = runtime.store
    previous_phone = store.identities.replace(
        change.previous_user_id, change.user_id, change.new_phone, runtime.clock.now()
    )
    old_phone = e164(message.sender) or previous_phone
    new_phone = e164(change.new_phone)
    if old_phone and new_phone and old_phone != new_phone:
        optout = store.optouts.is_opted_out("", None, old_phone)
        if optout is not None:
            store.optouts.add_phone(new_phone, reason=optout.reason, source=optout.source)
        return f"{change.kind}: number changed, identity moved"
    if change.previous_user_id and store.optouts.copy_user(change.previous_user_id, change.user_id):
        return f"{change.kind}: id changed, opt-out kept"
    return f"{change.kind}: recorded"
