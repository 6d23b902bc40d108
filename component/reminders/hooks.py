"""What the HTTP service calls when WhatsApp or Xero tells it something about reminders.

- a customer's inbound WhatsApp message → :func:`handle_reply` (STOP / START opt-outs);
- a WhatsApp status webhook for a message we sent → :func:`on_status`: ``sent``/``delivered``/
  ``read`` settle a reminder held for review (its outbox key is the status's
  ``biz_opaque_callback_data``), ``failed`` with 131026 triggers the e-mail fallback;
- an invoice paid, voided or deleted in Xero → :func:`stop_invoice` (no further reminder).

Each is idempotent: webhooks are delivered more than once.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from component.reminders.fallback import on_undeliverable
from component.runtime import Runtime
from component.sessions import Session

#: Replies that opt a number out / back in (WhatsApp users type these; case and spaces ignored).
STOP_WORDS = frozenset({"stop", "stop all", "unsubscribe", "cancel", "end", "quit", "opt out"})
START_WORDS = frozenset({"start", "unstop", "subscribe", "opt in"})
UNDELIVERABLE = 131026
SETTLING = frozenset({"sent", "delivered", "read", "played"})


def handle_reply(runtime: Runtime, sender: str, text: str) -> str | None:
    """Record STOP / START from ``sender`` (wa_id or E.164); returns "stop", "start" or None."""
    word = re.sub(r"[^a-z ]", "", text.strip().casefold())
    word = " ".join(word.split())
    optouts = runtime.store.optouts
    if word in STOP_WORDS:
        optouts.add_phone(sender, reason=f"replied {text.strip()[:20]!r}", source="whatsapp_reply")
        return "stop"
    if word in START_WORDS:
        optouts.remove_phone(sender)
        return "start"
    return None


async def on_status(runtime: Runtime, xero: Session | None, status: Mapping[str, Any]) -> str:
    """Apply one WhatsApp status to the outbox; returns what was done (for logs and tests)."""
    key = status.get("biz_opaque_callback_data")
    wamid = status.get("id")
    if not isinstance(key, str) or not isinstance(wamid, str):
        return "ignored: no callback data"
    state = status.get("status")
    if state in SETTLING:
        return "resolved" if runtime.store.outbox.resolve(key, wamid) else "already settled"
    codes = {e.get("code") for e in status.get("errors") or [] if isinstance(e, Mapping)}
    if state == "failed" and UNDELIVERABLE in codes:
        if xero is None:
            return "undeliverable: no Xero connection for the e-mail fallback"
        sent = await on_undeliverable(runtime, xero, key)
        return f"undeliverable: {sent} e-mail(s) sent"
    return f"ignored: {state}"


def stop_invoice(runtime: Runtime, tenant_id: str, invoice_id: str, reason: str = "paid") -> None:
    """No more reminders for this invoice (paid, voided, disputed...)."""
    runtime.store.outbox.stop_subject(tenant_id, invoice_id.lower(), reason)


def resume_invoice(runtime: Runtime, tenant_id: str, invoice_id: str) -> None:
    """Reminders may go out again for this invoice (e.g. a payment was reversed)."""
    runtime.store.outbox.resume_subject(tenant_id, invoice_id.lower())
