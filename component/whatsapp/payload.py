"""WhatsApp webhook payloads → the statuses and inbound messages they carry.

One POST may carry several entries, each with several changes, each with up to 1,000 statuses
and some inbound messages. Items that are not well formed are skipped one by one rather than
failing the delivery (Meta would retry it for 7 days).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class StatusUpdate:
    wamid: str
    status: str
    timestamp: str
    recipient: str | None
    errors: list[dict[str, Any]]
    callback_data: str | None

    def error_codes(self) -> list[int]:
        codes = []
        for error in self.errors:
            code = error.get("code")
            if isinstance(code, int) and not isinstance(code, bool):
                codes.append(code)
            elif isinstance(code, str) and code.isdigit():
                codes.append(int(code))
        return codes


@dataclass(frozen=True)
class Inbound:
    """A message a customer sent us; only its text matters here."""

    wamid: str
    sender: str
    text: str


class PayloadError(ValueError):
    """A correctly signed body that is not a WhatsApp webhook payload."""


def parse(body: bytes) -> tuple[list[StatusUpdate], list[Inbound]]:
    """Every status and inbound message of every entry and change."""
    try:
        payload = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise PayloadError(f"body is not JSON: {exc}") from None
    if not isinstance(payload, dict):
        raise PayloadError("body is not a JSON object")
    statuses: list[StatusUpdate] = []
    inbound: list[Inbound] = []
    for value in _values(payload):
        statuses.extend(s for s in map(_status, _list(value.get("statuses"))) if s)
        inbound.extend(m for m in map(_inbound, _list(value.get("messages"))) if m)
    return statuses, inbound


def _values(payload: dict[str, Any]) -> list[dict[str, Any]]:
    found = []
    for entry in _list(payload.get("entry")):
        if not isinstance(entry, dict):
            continue
        for change in _list(entry.get("changes")):
            if isinstance(change, dict) and isinstance(change.get("value"), dict):
                found.append(change["value"])
    return found


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _status(item: Any) -> StatusUpdate | None:
    if not isinstance(item, dict):
        return None
    wamid, status = item.get("id"), item.get("status")
    if not isinstance(wamid, str) or not isinstance(status, str) or not wamid or not status:
        return None
    callback = item.get("biz_opaque_callback_data")
    recipient = item.get("recipient_id")
    return StatusUpdate(
        wamid=wamid,
        status=status.lower(),
        timestamp=str(item.get("timestamp") or "0"),
        recipient=str(recipient) if recipient else None,
        errors=[e for e in _list(item.get("errors")) if isinstance(e, dict)],
        callback_data=callback if isinstance(callback, str) and callback else None,
    )


def _inbound(item: Any) -> Inbound | None:
    if not isinstance(item, dict):
        return None
    sender, wamid = item.get("from"), item.get("id")
    if not isinstance(sender, str) or not sender:
        return None
    text = _text_of(item)
    if text is None:
        return None
    return Inbound(wamid=str(wamid or ""), sender=sender, text=text)


def _text_of(item: dict[str, Any]) -> str | None:
    """The words of a text message, a quick-reply button or an interactive reply."""
    kind = item.get("type")
    if kind == "text":
        value = (item.get("text") or {}).get("body")
    elif kind == "button":
        value = (item.get("button") or {}).get("text")
    elif kind == "interactive":
        reply = item.get("interactive") or {}
        value = (reply.get("button_reply") or reply.get("list_reply") or {}).get("title")
    else:
        value = None
    return value if isinstance(value, str) else None
