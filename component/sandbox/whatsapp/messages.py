"""``POST /{version}/{phone-number-id}/messages``: validate like Meta, then accept or refuse.

Order of checks follows what a client observes from Meta: malformed request (100) → template
checks (132001/132000/132012/132018/131008) → test-number allow list (131030) → throughput
(130429) → pair rate (131056) → 24-hour window (131047) and undeliverable recipient (131026),
the last two synchronous or, by default and like Meta, reported later by a ``failed`` status.
Acceptance is not delivery: the success body only says ``accepted``.
"""

from __future__ import annotations

from typing import Any

from component.sandbox.whatsapp.errors import GraphError
from component.sandbox.whatsapp.phones import Recipient, resolve_recipient
from component.sandbox.whatsapp.templates import RenderedTemplate, check_template
from component.sandbox.whatsapp.users import is_bsuid
from component.sandbox.whatsapp.world import WhatsAppWorld

MEDIA_TYPES = ("document", "image", "audio", "video", "sticker")
OTHER_TYPES = ("location", "contacts", "interactive", "reaction")
MAX_TEXT = 4096


def _text(payload: dict[str, Any]) -> dict[str, Any]:
    text = payload.get("text")
    if not isinstance(text, dict):
        raise GraphError(100, "The parameter text is required.")
    body = text.get("body")
    if not isinstance(body, str) or not body:
        raise GraphError(100, "The parameter text['body'] is required.")
    if len(body) > MAX_TEXT:
        raise GraphError(100, f"text['body'] is longer than {MAX_TEXT} characters")
    preview = text.get("preview_url", False)
    if not isinstance(preview, bool):
        raise GraphError(100, "text['preview_url'] must be a boolean")
    return {"body": body, "preview_url": preview}


def _media(payload: dict[str, Any], kind: str, world: WhatsAppWorld) -> tuple[dict[str, Any], bool]:
    """The media object, and whether its id is unknown (Meta then fails it asynchronously)."""
    media = payload.get(kind)
    if not isinstance(media, dict):
        raise GraphError(100, f"The parameter {kind} is required.")
    link, media_id = media.get("link"), media.get("id")
    if bool(link) == bool(media_id):
        raise GraphError(100, f"{kind}: exactly one of link or id is required")
    if link is not None and (
        not isinstance(link, str) or not link.startswith(("http://", "https://"))
    ):
        raise GraphError(100, f"{kind}['link'] must be an http(s) URL")
    if media_id is not None and not isinstance(media_id, str):
        raise GraphError(100, f"{kind}['id'] must be a string")
    unknown = isinstance(media_id, str) and world.media.get(media_id) is None
    return {k: v for k, v in media.items() if isinstance(v, str | bool)}, unknown


def _recipient(world: WhatsAppWorld, payload: dict[str, Any]) -> Recipient:
    """``to`` (a phone number) takes precedence; without it, ``recipient`` names a BSUID
    (Meta's business-scoped user id send, since May 2026)."""
    if payload.get("to") is not None or payload.get("recipient") is None:
        return resolve_recipient(payload.get("to"), world.business_cc)
    bsuid = payload["recipient"]
    if not isinstance(bsuid, str) or not is_bsuid(bsuid):
        raise GraphError(100, f"Invalid parameter: recipient ({bsuid!r}) is not a valid BSUID")
    user = world.users.for_bsuid(bsuid)
    if user is None:
        raise GraphError(131026, f"No WhatsApp user has the business-scoped user id {bsuid}.")
    return Recipient(bsuid, user.wa_id, valid=True, prepended=False, user_id=bsuid)


def send(world: WhatsAppWorld, payload: Any, phone_number_id: str | None = None) -> dict[str, Any]:
    """Validate one send (from ``phone_number_id``, default the main number) and return Meta's
    success body; raises :class:`GraphError`."""
    if not isinstance(payload, dict):
        raise GraphError(100, "The request body must be a JSON object.")
    product = payload.get("messaging_product")
    if product is None:
        raise GraphError(100, "The parameter messaging_product is required.")
    if product != "whatsapp":
        raise GraphError(100, "Param messaging_product must be 'whatsapp'.")
    if payload.get("recipient_type", "individual") != "individual":
        raise GraphError(100, "Only recipient_type 'individual' is supported by this number.")
    recipient = _recipient(world, payload)
    kind = payload.get("type", "text")
    callback = payload.get("biz_opaque_callback_data")
    if callback is not None and (not isinstance(callback, str) or len(callback) > 512):
        raise GraphError(100, "biz_opaque_callback_data must be a string of at most 512 chars")

    template: RenderedTemplate | None = None
    failure: tuple[int, str | None] | None = None
    if kind == "template":
        world.templates.settle(world.clock.now())
        template = check_template(payload.get("template"), world.config)
        content: dict[str, Any] = {"template": payload["template"]}
        unknown_ids = [i for i in template.media_ids if world.media.get(i) is None]
        if unknown_ids:
            failure = (131053, f"Media id {unknown_ids[0]} does not exist.")
        category = template.category.lower()
        if recipient.user_id is not None and template.category == "AUTHENTICATION":
            raise GraphError(131062)
    elif kind == "text":
        content = {"text": _text(payload)}
        category = "service"
    elif kind in MEDIA_TYPES:
        media, unknown = _media(payload, kind, world)
        content = {kind: media}
        if unknown:
            failure = (131053, f"Media id {media.get('id')} does not exist.")
        category = "service"
    elif kind in OTHER_TYPES:
        if not isinstance(payload.get(kind), dict | list):
            raise GraphError(100, f"The parameter {kind} is required.")
        content = {kind: payload[kind]}
        category = "service"
    else:
        raise GraphError(
            100, f"Param type must be one of: text, template, {', '.join(MEDIA_TYPES)}"
        )

    cfg = world.config
    if cfg.allowed_recipients is not None and recipient.wa_id not in cfg.allowed_recipients:
        raise GraphError(131030)
    world.check_rates(recipient.wa_id)
    if kind != "template" and not world.window_open(recipient.wa_id):
        if cfg.window_failure == "sync":
            raise GraphError(131047)
        failure = (131047, None)
    if world.undeliverable(recipient):
        if cfg.undeliverable_failure == "sync":
            raise GraphError(131026)
        failure = (131026, None)

    context = payload.get("context")
    if isinstance(context, dict) and isinstance(context.get("message_id"), str):
        content["context"] = {"message_id": context["message_id"]}
    message = world.accept(
        recipient=recipient,
        type_=str(kind),
        category=category,
        content=content,
        callback_data=callback,
        template=template,
        failure=failure,
        phone_number_id=phone_number_id,
    )
    contact = {"input": recipient.input}
    if recipient.user_id is None:
        contact["wa_id"] = recipient.wa_id
    else:
        contact["user_id"] = recipient.user_id
    return {
        "messaging_product": "whatsapp",
        "contacts": [contact],
        "messages": [{"id": message.id, "message_status": "accepted"}],
    }
