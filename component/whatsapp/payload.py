"""WhatsApp webhook payloads → the statuses and inbound messages they carry.

One POST may carry several entries, each with several changes, each with up to 1,000 statuses
and some inbound messages. Items that are not well formed are skipped one by one rather than
failing the delivery (Meta would retry it for 7 days).

Since April 2026 a person is identified by a phone number (``from``/``wa_id``/``recipient_id``,
digits), a business-scoped user id (``user_id``/``from_user_id``/``recipient_user_id``, e.g.
``IN.1502576394655843``), or both: a customer with a username may come with the BSUID alone. So
an :class:`Inbound` has ``sender`` (the phone, or None) and ``user_id``; at least one is set.
System messages (``user_changed_number``, ``user_changed_user_id``) come through as
:class:`Inbound` of kind ``system`` with their :class:`IdentityChange`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from component import bounded_json


@dataclass(frozen=True)
class StatusUpdate:
    wamid: str
    status: str
    timestamp: str
    recipient: str | None
    errors: list[dict[str, Any]]
    callback_data: str | None
    #: The recipient's BSUID (``recipient_user_id``): with ``recipient`` it maps phone ↔ id.
    recipient_user_id: str | None = None

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
class IdentityChange:
    """A ``system`` message: the user's number and/or BSUID changed."""

    kind: str  # user_changed_number | user_changed_user_id
    user_id: str | None
    previous_user_id: str | None
    new_phone: str | None


@dataclass(frozen=True)
class Inbound:
    """A message a customer sent us: who (phone and/or BSUID), what they wrote or tapped."""

    wamid: str
    sender: str | None
    text: str
    user_id: str | None = None
    username: str | None = None
    #: text | button (a template quick reply) | interactive | system | other
    kind: str = "text"
    #: The quick-reply payload or interactive reply id of a tap.
    payload: str | None = None
    #: The wamid of our message this one answers (``context.id``).
    context_id: str | None = None
    timestamp: str = "0"
    change: IdentityChange | None = None


class PayloadError(ValueError):
    """A correctly signed body that is not a WhatsApp webhook payload."""


def parse(body: bytes) -> tuple[list[StatusUpdate], list[Inbound]]:
    """Every status and inbound message of every entry and change."""
    try:
        payload = bounded_json.loads(body)
    except bounded_json.JsonProblem as exc:
        raise PayloadError(f"body: {exc}") from None
    if not isinstance(payload, dict):
        raise PayloadError("body is not a JSON object")
    statuses: list[StatusUpdate] = []
    inbound: list[Inbound] = []
    for value in _values(payload):
        statuses.extend(s for s in map(_status, _list(value.get("statuses"))) if s)
        contacts = [c for c in _list(value.get("contacts")) if isinstance(c, dict)]
        for item in _list(value.get("messages")):
            message = _inbound(item, contacts)
            if message is not None:
                inbound.append(message)
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
        recipient_user_id=_string(item.get("recipient_user_id")),
        wamid=wamid,
        status=status.lower(),
        timestamp=_seconds(item.get("timestamp")),
        recipient=str(recipient) if recipient else None,
        errors=[e for e in _list(item.get("errors")) if isinstance(e, dict)],
        callback_data=callback if isinstance(callback, str) and callback else None,
    )


def _seconds(value: Any) -> str:
    """Meta's Unix seconds, as text; anything else is "0" (time unknown), so one odd field does
    not cost the status or message it is on."""
    text = value.strip() if isinstance(value, str) else ""
    if isinstance(value, int) and not isinstance(value, bool):
        text = str(value)
    return text if text.isascii() and text.isdigit() and len(text) <= 11 else "0"


def _string(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _contact_for(item: dict[str, Any], contacts: list[dict[str, Any]]) -> dict[str, Any]:
    """The ``contacts[]`` entry of the message's sender (by phone or BSUID; the only one)."""
    sender, user_id = _string(item.get("from")), _string(item.get("from_user_id"))
    for contact in contacts:
        if (sender and contact.get("wa_id") == sender) or (
            user_id and contact.get("user_id") == user_id
        ):
            return contact
    return contacts[0] if len(contacts) == 1 else {}


def _inbound(item: Any, contacts: list[dict[str, Any]]) -> Inbound | None:
    if not isinstance(item, dict):
        return None
    contact = _contact_for(item, contacts)
    sender = _string(item.get("from")) or _string(contact.get("wa_id"))
    user_id = _string(item.get("from_user_id")) or _string(contact.get("user_id"))
    profile = contact.get("profile") if isinstance(contact.get("profile"), dict) else {}
    assert isinstance(profile, dict)
    context = item.get("context") if isinstance(item.get("context"), dict) else {}
    assert isinstance(context, dict)
    common: dict[str, Any] = {
        "wamid": str(item.get("id") or ""),
        "username": _string(profile.get("username")),
        "context_id": _string(context.get("id")),
        "timestamp": _seconds(item.get("timestamp")),
    }
    if item.get("type") == "system":
        return _system(item, sender, common)
    if sender is None and user_id is None:
        return None
    text = _text_of(item)
    if text is None:
        return Inbound(sender=sender, text="", user_id=user_id, kind="other", **common)
    kind = str(item.get("type"))
    return Inbound(
        sender=sender, text=text, user_id=user_id, kind=kind, payload=_payload_of(item), **common
    )


def _system(item: dict[str, Any], sender: str | None, common: dict[str, Any]) -> Inbound | None:
    system = item.get("system") if isinstance(item.get("system"), dict) else None
    if system is None or system.get("type") not in ("user_changed_number", "user_changed_user_id"):
        return None
    change = IdentityChange(
        kind=str(system["type"]),
        user_id=_string(system.get("user_id")),
        previous_user_id=_string(system.get("previous_user_id")),
        new_phone=_string(system.get("wa_id")),
    )
    who = change.previous_user_id
    if sender is None and who is None:
        return None
    return Inbound(sender=sender, text="", user_id=who, kind="system", change=change, **common)


def _payload_of(item: dict[str, Any]) -> str | None:
    """A tap's machine-readable part: the quick-reply payload or interactive reply id."""
    if item.get("type") == "button":
        return _string((item.get("button") or {}).get("payload"))
    if item.get("type") == "interactive":
        reply = item.get("interactive") or {}
        return _string((reply.get("button_reply") or reply.get("list_reply") or {}).get("id"))
    return None


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
