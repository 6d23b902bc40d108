"""Webhook payloads (statuses, inbound and system messages) and Meta's signature.

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

from component.sandbox.whatsapp.users import WaUser

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
    recipient: WaUser | None,
    recipient_digits: str,
    phone_visible: bool,
    callback_data: str | None,
    pricing: dict[str, Any] | None,
    errors: list[dict[str, Any]] | None,
) -> dict[str, Any]:
    """One ``statuses[]`` change (Meta sends one status per POST in practice).

    2026 shape: ``recipient_id`` (the phone, only when Meta may show it) and
    ``recipient_user_id`` (the BSUID; absent when the recipient has no WhatsApp account), and a
    ``contacts[]`` entry for the recipient whose ``profile`` (with ``username``) comes on
    ``delivered``/``read`` only. pywa 4.5 reads ``contacts[0]`` on every status, so a recipient
    without an account still gets an entry carrying only the number it was sent to.
    """
    item: dict[str, Any] = {"id": wamid, "status": status, "timestamp": unix(at)}
    if phone_visible or recipient is None:
        item["recipient_id"] = recipient_digits
    if recipient is not None:
        item["recipient_user_id"] = recipient.user_id
    if callback_data is not None:
        item["biz_opaque_callback_data"] = callback_data
    if pricing is not None:
        item["pricing"] = pricing
    if errors:
        item["errors"] = errors
    if recipient is None:
        contact: dict[str, Any] = {"wa_id": recipient_digits}
    else:
        profile = status in ("delivered", "read")
        contact = recipient.contact(phone_visible=phone_visible, with_profile=profile)
    value = {
        "messaging_product": "whatsapp",
        "metadata": meta,
        "contacts": [contact],
        "statuses": [item],
    }
    return _envelope(waba_id, value)


def inbound_payload(
    *,
    waba_id: str,
    meta: dict[str, str],
    wamid: str,
    user: WaUser,
    phone_visible: bool,
    content: dict[str, Any],
    at: datetime,
    context_id: str | None = None,
) -> dict[str, Any]:
    """A customer's message (``content`` holds ``type`` and its object), as the ``messages``
    field delivers it: ``from`` only when Meta may show the phone, ``from_user_id`` always."""
    message: dict[str, Any] = {}
    if phone_visible:
        message["from"] = user.wa_id
    message["from_user_id"] = user.user_id
    message.update({"id": wamid, "timestamp": unix(at)})
    if context_id is not None:
        message["context"] = {"from": meta["display_phone_number"], "id": context_id}
    message.update(content)
    value = {
        "messaging_product": "whatsapp",
        "metadata": meta,
        "contacts": [user.contact(phone_visible=phone_visible)],
        "messages": [message],
    }
    return _envelope(waba_id, value)


def system_payload(
    *,
    waba_id: str,
    meta: dict[str, str],
    wamid: str,
    at: datetime,
    system: dict[str, Any],
    old_phone: str | None,
) -> dict[str, Any]:
    """``user_changed_number`` (``from`` is the old number, ``system.wa_id`` the new one) or
    ``user_changed_user_id`` (no phone at all); both carry the new ``user_id`` and the
    ``previous_user_id``. System messages have no ``contacts[]`` (Meta's reference)."""
    message: dict[str, Any] = {}
    if old_phone is not None:
        message["from"] = old_phone
    message.update({"id": wamid, "timestamp": unix(at), "type": "system", "system": system})
    value = {"messaging_product": "whatsapp", "metadata": meta, "messages": [message]}
    return _envelope(waba_id, value)


def text_content(body: str) -> dict[str, Any]:
    return {"type": "text", "text": {"body": body}}


def button_content(text: str, payload: str) -> dict[str, Any]:
    """A tap on a template's quick-reply button: ``type: button`` with the payload the send set
    (Meta uses the button text when the send set none)."""
    return {"type": "button", "button": {"payload": payload, "text": text}}


def interactive_reply_content(reply_id: str, title: str) -> dict[str, Any]:
    """A tap on an interactive (session) message's reply button."""
    return {
        "type": "interactive",
        "interactive": {"type": "button_reply", "button_reply": {"id": reply_id, "title": title}},
    }


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
