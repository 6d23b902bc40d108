"""When WhatsApp cannot reach the customer (131026), Xero e-mails the invoice instead.

Meta reports 131026 ("not on WhatsApp / cannot receive") either at once, as the answer to the
send, or later, as a ``failed`` status webhook for a message it had accepted. Both paths end
here:

- the reminder job calls :func:`email_invoices` for a refused send;
- the status webhook (``notify.inbound``) queues a durable ``WHATSAPP/UNDELIVERABLE`` event, and
  the worker calls :func:`on_undeliverable` with the reminder's outbox key.

Each invoice is e-mailed at most once per reminder stage: the e-mail is itself an outbox message
(kind ``email``, item stage ``<stage>:email``) delivered with the same protocol as WhatsApp
messages (``notify.outbox``), so a webhook delivered twice, or a run and a webhook racing, e-mail
once. ``POST /Invoices/{id}/Email`` carries an Idempotency-Key derived from that outbox key. The
fallback honours the policy in force when the reminder was sent (recorded with the reminder's
outbox message: ``emailFallback``, ``reserveCalls``), and spends optional calls only above the
budget's reserve.
"""

from __future__ import annotations

import asyncio
import hashlib
from dataclasses import dataclass, field

from component import errors
from component.notify import outbox as protocol
from component.notify.budget import DEFAULT_RESERVE_CALLS, OptionalCalls, XeroCalls
from component.notify.refusals import Refusal
from component.runtime import Runtime
from component.sessions import Session
from component.storage.outbox_reads import Item
from component.xero.client import XeroClient

KIND = "email"
SENT_MARK = "xero-email"


@dataclass
class EmailsSent:
    sent: int = 0
    failed: int = 0
    warnings: list[str] = field(default_factory=list)


async def email_invoices(
    runtime: Runtime,
    client: XeroClient,
    reminder_key: str,
    ration: OptionalCalls,
    calls: XeroCalls,
) -> EmailsSent:
    """E-mail (via Xero) each invoice of reminder ``reminder_key`` not e-mailed yet."""
    store = runtime.store
    done = EmailsSent()
    reminder = await asyncio.to_thread(store.outbox.get, reminder_key)
    if reminder is None:
        return done
    for item in await asyncio.to_thread(store.outbox.items_of, reminder_key):
        envelope = protocol.Envelope(
            key=_email_key(reminder_key, item.subject_id),
            kind=KIND,
            items=(Item(item.tenant_id, item.subject_id, f"{item.stage}:email"),),
            contact_id=reminder.contact_id,
            contact_name=str(reminder.details.get("contact") or ""),
            recipient=None,
            invoices=tuple(
                i for i in reminder.details.get("invoices", []) if i.get("id") == item.subject_id
            ),
            extra={"reminder": reminder_key},
        )
        if not (await protocol.claim(runtime, envelope)).granted:
            continue
        if not ration.take():
            await protocol.release(runtime, envelope.key)
            done.warnings.append(f"e-mail fallback not sent: {ration.why_refused()}")
            continue
        calls.add("emails")
        outcome = await protocol.deliver(
            runtime,
            envelope.key,
            _emailer(client, item.subject_id, envelope.key),
            classify_refusal=_xero_refusal,
        )
        if outcome.sent:
            done.sent += 1
        elif outcome.refusal is not None:
            done.failed += 1
            done.warnings.append(f"e-mail fallback failed: {outcome.refusal.message}")
    return done


def _emailer(client: XeroClient, invoice_id: str, key: str) -> protocol.Send:
    async def send(leaving: protocol.Leaving) -> str:
        await leaving()
        await client.request(
            "POST",
            f"/Invoices/{invoice_id}/Email",
            json={},
            idempotency_key=key,
            what="asking Xero to e-mail the invoice",
        )
        return SENT_MARK

    return send


def _xero_refusal(exc: errors.XeroWaError) -> Refusal:
    """Xero's refusal: the Idempotency-Key makes a retry safe, so only retryability matters."""
    status = exc.status if isinstance(exc, errors.UpstreamError) else None
    retry = isinstance(exc, errors.ConnectionError) or (
        isinstance(exc, errors.UpstreamError) and exc.retryable
    )
    return Refusal(
        "transient" if retry else "other", str(status or exc.code), exc.message, retry, exc
    )


async def on_undeliverable(runtime: Runtime, session: Session, outbox_key: str) -> int:
    """A 131026 for reminder ``outbox_key`` arrived by webhook: e-mail its invoices.

    ``session`` is the Xero connection of the reminder's organisation (any of its tenants: the
    outbox message names the tenant). Returns how many e-mails were sent (0 when the fallback was
    off for that reminder, already done, or the key is not a reminder).
    """
    reminder = await asyncio.to_thread(runtime.store.outbox.get, outbox_key)
    if reminder is None or reminder.kind != "reminder":
        return 0
    if not reminder.details.get("emailFallback", False):
        return 0
    client = XeroClient(runtime, session.with_tenant(reminder.tenant_id))
    reserve = int(reminder.details.get("reserveCalls", DEFAULT_RESERVE_CALLS))
    ration = OptionalCalls(client.limiter(), reserve)
    return (await email_invoices(runtime, client, outbox_key, ration, XeroCalls())).sent


def _email_key(reminder_key: str, invoice_id: str) -> str:
    digest = hashlib.sha256(f"{reminder_key}|{invoice_id}".encode()).hexdigest()
    return f"mail-{digest[:32]}"
