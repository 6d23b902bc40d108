"""Webhook payloads (statuses and inbound messages) and Meta's signature.

Meta POSTs compact JSON with non-ASCII characters escaped (``\\u20b9`` for ₹) and signs those exact
bytes: ``X-Hub-Signature-256: sha256=<hex HMAC-SHA256(app secret, raw body)>``. A receiver that
re-serialises the parsed JSON before checking the signature fails on the first customer name with
an accent, so we serialise the same way Meta does and let that pitfall show in the sandbox.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import datetime
from typing import Any

SIGNATURE_HEADER = "X-Hub-Signature-256"


def encode(payload: dict[str, Any]) -> bytes:
    """Compact JSON, ASCII-escaped, as Meta sends it."""
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=True).encode("ascii")


def signature(app_secret: str, body: bytes) -> str:
    """The ``X-Hub-Signature-256`` header value for ``body``."""
    digest = hmac.new(app_secret.encode(), body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def verify(app_secret: str, body: bytes, header: str | None) -> bool:
    """Constant-time check of a signature header (what a receiver must do)."""
    return header is not None and hmac.compare_digest(signature(app_secret, body), header)


def headers(app_secret: str, body: bytes) -> dict[str, str]:
    return {
        "Content-Type": "application/json",
        "User-Agent": "facebookexternalua",
        SIGNATURE_HEADER: signature(app_secret, body),
    }


def unix(when: datetime) -> str:
    """Meta's webhook timestamps: Unix seconds as a string."""
    return str(int(when.timestamp()))


def _envelope(waba_id: str, value: dict[str, Any]) -> dict[str, Any]:
    return {
        "object": "whatsapp_business_account",
        "entry": [{"id": waba_id, "changes": [{"value": value, "field": "messages"}]}],
    }


def metadata(display_phone_number: str, phone_number_id: str) -> dict[str, str]:
    digits = "".join(ch for ch in display_phone_number if ch.isdigit())
    return {"display_phone_number": digits, "phone_number_id": phone_number_id}


def status_payload(
    *,
    waba_id: str,
    meta: dict[str, str],
    wamid: str,
    status: str,
    at: datetime,
    recipient_id: str,
    callback_data: str | None,
    pricing: dict[str, Any] | None,
    errors: list[dict[str, Any]] | None,
) -> dict[str, Any]:
    """One ``statuses[]`` change (Meta sends one status per POST in practice)."""
    item: dict[str, Any] = {
        "id": wamid,
        "status": status,
        "timestamp": unix(at),
        "recipient_id": recipient_id,
    }
    if callback_data is not None:
        item["biz_opaque_callback_data"] = callback_data
    if pricing is not None:
        item["pricing"] = pricing
    if errors:
        item["errors"] = errors
    value = {"messaging_product": "whatsapp", "metadata": meta, "statuses": [item]}
    return _envelope(waba_id, value)


def inbound_payload(
    *,
    waba_id: str,
    meta: dict[str, str],
    wamid: str,
    wa_id: str,
    name: str,
    body: str,
    at: datetime,
    context_id: str | None = None,
) -> dict[str, Any]:
    """A customer's text message, as the ``messages`` field delivers it."""
    message: dict[str, Any] = {
        "from": wa_id,
        "id": wamid,
        "timestamp": unix(at),
        "type": "text",
        "text": {"body": body},
    }
    if context_id is not None:
        message["context"] = {"from": meta["display_phone_number"], "id": context_id}
    value = {
        "messaging_product": "whatsapp",
        "metadata": meta,
        "contacts": [{"profile": {"name": name}, "wa_id": wa_id}],
        "messages": [message],
    }
    return _envelope(waba_id, value)


def pricing(category: str) -> dict[str, Any]:
    """Per-message pricing (Meta's model since July 2025); service replies are free."""
    if category == "service":
        return {
            "billable": False,
            "pricing_model": "PMP",
            "category": "service",
            "type": "free_customer_service",
        }
    return {"billable": True, "pricing_model": "PMP", "category": category, "type": "regular"}
