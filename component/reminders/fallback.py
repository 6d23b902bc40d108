"""When WhatsApp cannot reach the customer (131026), Xero e-mails the invoice instead.

Meta reports 131026 ("not on WhatsApp / cannot receive") either at once, as the answer to the
send, or later, as a ``failed`` status webhook for a message it had accepted. Both paths end
here:

- the runner calls :func:`email_invoices` for a refused send;
- the HTTP service, on a failed status carrying 131026, calls::

      await on_undeliverable(runtime, xero_session, status["biz_opaque_callback_data"])

Each invoice is e-mailed at most once per reminder stage: the e-mail is itself an outbox message
(kind ``email``, item stage ``<stage>:email``), so a webhook delivered twice, or a run and a
webhook racing, e-mail once. ``POST /Invoices/{id}/Email`` carries an Idempotency-Key derived
from that outbox key. The fallback honours the policy in force when the reminder was sent
(recorded in the outbox message), and spends optional calls only above the budget reserve.
"""

from __future__ import annotations

import hashlib
import logging

from component import errors
from component.reminders.budget import OptionalCalls, XeroCalls
from component.reminders.policy import XeroBudget
from component.reminders.report import Report
from component.runtime import Runtime
from component.sessions import Session
from component.storage.outbox import Item
from component.xero.client import XeroClient

log = logging.getLogger("xero_wa.reminders")

KIND = "email"
SENT_MARK = "xero-email"


async def email_invoices(
    runtime: Runtime,
    client: XeroClient,
    reminder_key: str,
    ration: OptionalCalls,
    calls: XeroCalls,
    report: Report | None = None,
) -> int:
    """E-mail (via Xero) each invoice of reminder ``reminder_key`` not e-mailed yet; how many."""
    outbox = runtime.store.outbox
    reminder = outbox.get(reminder_key)
    if reminder is None:
        return 0
    sent = 0
    for item in outbox.items_of(reminder_key):
        email_item = Item(item.tenant_id, item.subject_id, f"{item.stage}:email")
        key = _email_key(reminder_key, item.subject_id)
        claim = outbox.claim(
            key,
            kind=KIND,
            items=[email_item],
            contact_id=reminder.contact_id,
            details={"reminder": reminder_key},
        )
        if not claim.granted:
            continue
        if not ration.take():
            outbox.release(key)
            if report is not None:
                report.warn(f"e-mail fallback not sent: {ration.why_refused()}")
            continue
        outbox.mark_sending(key)
        calls.add("emails")
        try:
            await client.request(
                "POST",
                f"/Invoices/{item.subject_id}/Email",
                json={},
                idempotency_key=key,
                what="asking Xero to e-mail the invoice",
            )
        except errors.UpstreamError as exc:
            outbox.mark_failed(key, str(exc.status or exc.code), exc.message, retry=exc.retryable)
            if report is not None:
                report.fail("email_fallback")
                report.warn(f"e-mail fallback failed: {exc.message}")
            continue
        outbox.mark_sent(key, SENT_MARK)
        sent += 1
    if report is not None:
        report.emails += sent
    return sent


async def on_undeliverable(runtime: Runtime, session: Session, outbox_key: str) -> int:
    """A 131026 for reminder ``outbox_key`` arrived by webhook: e-mail its invoices.

    ``session`` is the Xero connection of the reminder's organisation (any of its tenants: the
    outbox message names the tenant). Returns how many e-mails were sent (0 when the fallback was
    off for that reminder, already done, or the key is not a reminder).
    """
    reminder = runtime.store.outbox.get(outbox_key)
    if reminder is None or reminder.kind != "reminder":
        return 0
    if not reminder.details.get("emailFallback", False):
        return 0
    client = XeroClient(runtime, session.with_tenant(reminder.tenant_id))
    reserve = int(reminder.details.get("reserveCalls", XeroBudget().reserve_calls))
    ration = OptionalCalls(client.limiter(), XeroBudget(reserve_calls=reserve))
    return await email_invoices(runtime, client, outbox_key, ration, XeroCalls())


def _email_key(reminder_key: str, invoice_id: str) -> str:
    digest = hashlib.sha256(f"{reminder_key}|{invoice_id}".encode()).hexdigest()
    return f"mail-{digest[:32]}"
