"""Messages held for review: the request left, no answer came, and no status has settled it.

Such a message may or may not have reached the customer, and WhatsApp has no idempotency key,
so it is never resent by itself; a person looks at the customer's chat (or waits for the status
webhook, which settles it) and decides. Every kind of notification (reminder, alert, e-mail
fallback) is listed the same way: who, which invoices, since when and why.
"""

from __future__ import annotations

from typing import Any

from component.runtime import Runtime
from component.storage.outbox_reads import OutboxMessage


def held_for_review(runtime: Runtime) -> list[dict[str, Any]]:
    """Every message whose outcome is unknown, oldest first (``xero-wa remind --review``)."""
    return [describe(m) for m in runtime.store.outbox.needs_review()]


def describe(message: OutboxMessage) -> dict[str, Any]:
    details = message.details
    numbers = [str(i.get("number")) for i in details.get("invoices") or [] if i.get("number")]
    if not numbers and details.get("invoiceNumber"):  # alerts recorded before the notify core
        numbers = [str(details["invoiceNumber"])]
    return {
        "key": message.key,
        "kind": message.kind,
        "state": message.state,
        "tenantId": message.tenant_id,
        "recipient": message.recipient,
        "contact": details.get("contact") or message.contact_id or "unknown contact",
        "invoices": numbers,
        "since": message.updated_at,
        "why": message.error_message or "the process stopped while sending",
    }


def review_line(item: dict[str, Any]) -> str:
    """``Asha Textiles +919820012345 (alert: INV-0042) — no answer (ReadTimeout)``."""
    invoices = ", ".join(item["invoices"]) or "no invoice"
    return (
        f"{item['contact']} {item['recipient'] or ''} ({item['kind']}: {invoices}) — {item['why']}"
    )
