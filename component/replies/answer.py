"""Answering a customer (or telling the owner), at most once, inside WhatsApp's rules.

Free-form text is allowed only within 24 hours of the customer's last message; outside it only an
approved template. An answer therefore carries both forms: the text, and a shipped template with
its parameters (``component.notify.templates``: optout_confirmed, promise_ask, promise_noted,
paid_noted; the owner always gets ``customer_reply``). It goes as text when the customer wrote
less than 23 hours 50 minutes ago, else as the template; when Meta refuses the text anyway
(131047 at once, or later as a ``failed`` status: ``notify.inbound`` then queues a
``WHATSAPP/REPLY_FALLBACK`` event) the template follows, once.

Every answer is an outbox message (kind ``reply``, key ``reply:<wamid>:<purpose>``), so a worker
that retries an event after a crash never sends it twice. To a customer with a username and no
known number, it goes to their BSUID (``recipient``).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from component.notify import outbox
from component.runtime import Runtime
from component.storage.outbox_reads import Item
from component.storage.replies import Reply
from component.whatsapp import templates as tpl
from component.whatsapp.client import WhatsAppClient

log = logging.getLogger("xero_wa.replies")

#: A little under 24 hours: the send must reach Meta inside the window, not just leave.
WINDOW = timedelta(hours=23, minutes=50)
OUT_OF_WINDOW = 131047


@dataclass(frozen=True)
class Answer:
    purpose: str
    text: str
    template: str
    parameters: tuple[str, ...]
    language: str


def window_open(reply: Reply, now: datetime) -> bool:
    received = datetime.fromisoformat(reply.received_at.replace("Z", "+00:00"))
    if received.tzinfo is None:
        from datetime import UTC

        received = received.replace(tzinfo=UTC)
    return now - received < WINDOW


async def answer(runtime: Runtime, client: WhatsAppClient, reply: Reply, said: Answer) -> str:
    """Send ``said`` to the customer who wrote ``reply``; a line saying what happened."""
    to = reply.phone or reply.user_id
    if not to:
        return f"{said.purpose}: the customer has neither number nor user id"
    key = f"reply:{reply.wamid}:{said.purpose}"
    if window_open(reply, runtime.clock.now()):
        outcome = await _send(runtime, client, reply, said, to, key, as_text=True)
        if outcome != f"failed {OUT_OF_WINDOW}":
            return f"{said.purpose}: {outcome} as text"
        log.info("reply %s: text refused outside the window, the template follows", reply.wamid)
    sent = await _send(runtime, client, reply, said, to, f"{key}:template", as_text=False)
    return f"{said.purpose}: {sent} as template {said.template}"


async def tell(
    runtime: Runtime, client: WhatsAppClient, reply: Reply, to: str, said: Answer
) -> str:
    """A template to someone other than the customer (the owner), once per reply."""
    key = f"owner:{reply.wamid}:{said.purpose}"
    return await _send(runtime, client, reply, said, to, key, as_text=False)


async def fallback(runtime: Runtime, client: WhatsAppClient, key: str) -> str:
    """The template after Meta reported the text ``key`` failed with 131047."""
    sent = runtime.store.outbox.get(key)
    if sent is None or sent.kind != "reply" or not sent.recipient:
        return f"no answer {key} to replace"
    details: dict[str, Any] = sent.details
    said = Answer(
        str(details.get("purpose")),
        "",
        str(details.get("template")),
        tuple(str(p) for p in details.get("parameters") or ()),
        str(details.get("language") or "en"),
    )
    reply = runtime.store.replies.get(str(details.get("reply")))
    if reply is None:
        return f"answer {key}: its reply is not recorded"
    result = await _send(
        runtime, client, reply, said, sent.recipient, f"{key}:template", as_text=False
    )
    return f"{said.purpose}: {result} as template {said.template} (the text was outside the window)"


async def _send(
    runtime: Runtime,
    client: WhatsAppClient,
    reply: Reply,
    said: Answer,
    to: str,
    key: str,
    *,
    as_text: bool,
) -> str:
    # The item is the answered invoice under a stage of its own (the whole key): the answer is
    # once per key, and the invoice's and the contact's timelines show it.
    subject = reply.invoice_ids[0] if reply.invoice_ids else f"reply-{reply.wamid}"
    envelope = outbox.Envelope(
        key=key,
        kind="reply",
        items=(Item(reply.tenant_id, subject, key),),
        contact_id=reply.contact_id,
        contact_name=reply.contact_name or "",
        recipient=to,
        invoices=tuple({"id": i} for i in reply.invoice_ids[:1]),
        extra={
            "purpose": said.purpose,
            "template": said.template,
            "parameters": list(said.parameters),
            "language": said.language,
            "reply": reply.wamid,
        },
    )
    claim = await outbox.claim(runtime, envelope)
    if not claim.granted:
        return "already sent"

    async def send(leaving: outbox.Leaving) -> str:
        if as_text:
            result = await client.send_text(
                to, said.text, callback_data=key, on_leaving=leaving, on_accepted=leaving.accepted
            )
        else:
            body = [tpl.text(value[:900]) for value in said.parameters]
            result = await client.send_template(
                to,
                said.template,
                said.language,
                tpl.components(body_params=body),
                callback_data=key,
                on_leaving=leaving,
                on_accepted=leaving.accepted,
            )
        return result.message_id

    outcome = await outbox.deliver(runtime, key, send)
    if outcome.state == "failed" and outcome.refusal is not None:
        return f"failed {outcome.refusal.meta_code or outcome.refusal.code}"
    return outcome.state
