"""The WhatsApp half of the sandbox control API, mounted by the app under ``/_sandbox/whatsapp``.

These are the levers and windows a test or a demo needs that Meta does not offer: see every
message the product sent (with the parameters as the customer would read them), make a customer
write "STOP", push due status webhooks now, start over, count what happened, and point the
number's webhooks at a receiver (``PUT /webhook``: what saving the callback URL in Meta's App
Dashboard does).
"""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any

import httpx
from pydantic import ValidationError
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from component.sandbox.whatsapp import webhooks
from component.sandbox.whatsapp.config import UserConfig
from component.sandbox.whatsapp.users import WaUser
from component.sandbox.whatsapp.world import WhatsAppWorld

_PHONE = re.compile(r"^\+?\d{5,15}$")


def _bad(message: str) -> JSONResponse:
    return JSONResponse({"error": {"message": message}}, status_code=400)


async def verify_subscription(
    world: WhatsAppWorld, verify_token: str | None = None
) -> dict[str, Any]:
    """Do what Meta does when a webhook URL is saved in the App Dashboard: ``GET`` it with
    ``hub.mode=subscribe``, the verify token and a challenge; the receiver must answer 200 with
    the challenge as the body. ``verify_token`` overrides the configured one, to check that a
    receiver refuses a wrong token (it should answer 403)."""
    url = world.config.webhook_url
    if url is None:
        return {"ok": False, "error": "no webhook_url configured"}
    count = len(world.inbound_messages) + len(world.messages)
    challenge = str(int(hashlib.sha256(f"{world.clock.now()}/{count}".encode()).hexdigest(), 16))
    params = {
        "hub.mode": "subscribe",
        "hub.verify_token": verify_token or world.config.verify_token,
        "hub.challenge": challenge[:10],
    }
    try:
        response = await world.deliverer.client().get(url, params=params, timeout=5.0)
    except httpx.HTTPError as exc:
        return {"ok": False, "error": f"transport: {type(exc).__name__}"}
    echoed = response.status_code == 200 and response.text == params["hub.challenge"]
    return {"ok": echoed, "status_code": response.status_code, "challenge_echoed": echoed}


def control_routes(world: WhatsAppWorld) -> list[BaseRoute]:
    """Routes relative to the mount point (``/_sandbox/whatsapp``)."""

    async def list_messages(request: Request) -> Response:
        rows = world.message_list()
        to = request.query_params.get("to")
        if to:
            digits = re.sub(r"\D", "", to)
            rows = [r for r in rows if r["wa_id"] == digits or r["to"] == to]
        template = request.query_params.get("template")
        if template:
            rows = [r for r in rows if r["template"] and r["template"]["name"] == template]
        return JSONResponse({"messages": rows})

    async def inbound(request: Request) -> Response:
        """Body ``{"from": "+9198..." | "user_id": "IN.…", "text": "STOP"}``, or a button tap
        ``"button": {"text": "Paid already", "payload": "PAID"}`` / an interactive reply
        ``"interactive": {"id": "...", "title": "..."}``; optional ``name`` and ``context_id``
        (the wamid of the message replied to)."""
        body = await _json_object(request)
        if isinstance(body, Response):
            return body
        user = _who(world, body)
        if isinstance(user, Response):
            return user
        content = _content(body)
        if isinstance(content, Response):
            return content
        name, context_id = body.get("name"), body.get("context_id")
        if not (name is None or isinstance(name, str)) or not (
            context_id is None or isinstance(context_id, str)
        ):
            return _bad("'name' and 'context_id' must be strings")
        if name:
            user.name = name
        if content["type"] != "text" and context_id is None:
            context_id = world.last_sent_to(user.wa_id)
            if context_id is None:
                return _bad("a button tap answers a message: give 'context_id' or send one first")
        if content["type"] == "button" and "payload" not in body["button"]:
            content["button"]["payload"] = world.tap_payload(context_id, content["button"]["text"])
        return JSONResponse(world.receive(user, content, context_id=context_id))

    async def add_user(request: Request) -> Response:
        """Body ``{"phone": "+91…", "name"?, "username"?, "hides_phone"?: true}``: a user (who
        may hide their number behind a username); answers with their BSUID."""
        body = await _json_object(request)
        if isinstance(body, Response):
            return body
        try:
            spec = UserConfig.model_validate(body)
        except ValidationError as exc:
            return _bad(f"invalid user: {exc.errors()[0]['loc']}: {exc.errors()[0]['msg']}")
        user = world.users.add(
            spec.phone.lstrip("+"),
            name=spec.name,
            username=spec.username,
            hides_phone=spec.hides_phone,
        )
        return JSONResponse(_user(user))

    async def change_number(request: Request) -> Response:
        """Body ``{"from"|"user_id": …, "new_phone": "+91…"}``: ``user_changed_number``."""
        body = await _json_object(request)
        if isinstance(body, Response):
            return body
        user = _who(world, body)
        if isinstance(user, Response):
            return user
        new = body.get("new_phone")
        if not isinstance(new, str) or not _PHONE.match(new):
            return _bad("'new_phone' must be a phone number in E.164")
        digits = re.sub(r"\D", "", new)
        if digits in world.users.by_phone:
            return _bad("'new_phone' already belongs to another user")
        return JSONResponse(world.change_number(user, digits))

    async def change_user_id(request: Request) -> Response:
        """Body ``{"from"|"user_id": …}``: Meta regenerates the BSUID (``user_changed_user_id``)."""
        body = await _json_object(request)
        if isinstance(body, Response):
            return body
        user = _who(world, body)
        if isinstance(user, Response):
            return user
        return JSONResponse(world.change_user_id(user))

    async def forget_phone(request: Request) -> Response:
        """Body ``{"from"|"user_id": …}``: Meta's contact-book entry for the number lapsed, so a
        user with a username is shown by BSUID alone again."""
        body = await _json_object(request)
        if isinstance(body, Response):
            return body
        user = _who(world, body)
        if isinstance(user, Response):
            return user
        world.users.contact_book.discard(user.wa_id)
        return JSONResponse(_user(user))

    async def list_users(request: Request) -> Response:
        return JSONResponse({"users": [_user(u) for u in world.users.by_phone.values()]})

    async def flush(request: Request) -> Response:
        attempts = await world.deliverer.drain()
        return JSONResponse({"attempts": [a.to_dict() for a in attempts]})

    async def reset(request: Request) -> Response:
        world.reset()
        return JSONResponse({"reset": True})

    async def stats(request: Request) -> Response:
        return JSONResponse(world.stats())

    async def subscribe(request: Request) -> Response:
        """Body (optional) ``{"verify_token": "..."}`` to try a wrong token."""
        try:
            body: Any = json.loads(await request.body() or b"{}")
        except (UnicodeDecodeError, json.JSONDecodeError):
            return _bad("body must be JSON")
        token = body.get("verify_token") if isinstance(body, dict) else None
        if token is not None and not isinstance(token, str):
            return _bad("'verify_token' must be a string")
        return JSONResponse(await verify_subscription(world, token))

    async def webhook(request: Request) -> Response:
        """``PUT {"url": "http(s)://…" | null, "verify_token"?: str}``: where status and inbound
        webhooks go from now on (null: recorded only, as before a URL is saved). Deliveries
        already queued keep their URL, as Meta's retries do. ``GET`` shows the current one."""
        if request.method == "PUT":
            body = await _json_object(request)
            if isinstance(body, Response):
                return body
            if "url" not in body:
                return _bad("give 'url' (an http(s) URL, or null to stop delivering)")
            url, token = body["url"], body.get("verify_token")
            if url is not None and not webhook_url_ok(url):
                return _bad("'url' must be an http:// or https:// URL, or null")
            if token is not None and (not isinstance(token, str) or not token):
                return _bad("'verify_token' must be a non-empty string")
            world.config.webhook_url = url
            if token is not None:
                world.config.verify_token = token
        return JSONResponse({"url": world.config.webhook_url})

    return [
        Route("/webhook", webhook, methods=["GET", "PUT"]),
        Route("/messages", list_messages, methods=["GET"]),
        Route("/inbound", inbound, methods=["POST"]),
        Route("/users", add_user, methods=["POST"]),
        Route("/users", list_users, methods=["GET"]),
        Route("/users/change-number", change_number, methods=["POST"]),
        Route("/users/change-user-id", change_user_id, methods=["POST"]),
        Route("/users/forget-phone", forget_phone, methods=["POST"]),
        Route("/statuses/flush", flush, methods=["POST"]),
        Route("/reset", reset, methods=["POST"]),
        Route("/stats", stats, methods=["GET"]),
        Route("/webhook/verify", subscribe, methods=["POST"]),
    ]


def webhook_url_ok(url: object) -> bool:
    """An absolute http(s) URL with a host (what Meta and Xero accept as a callback, minus
    their HTTPS rule: the sandbox delivers to local receivers too)."""
    if not isinstance(url, str) or len(url) > 2000:
        return False
    if not url.startswith(("http://", "https://")):
        return False
    try:
        return bool(httpx.URL(url).host)
    except httpx.InvalidURL:
        return False


async def _json_object(request: Request) -> dict[str, Any] | Response:
    try:
        body: Any = json.loads(await request.body() or b"{}")
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
        return _bad("body must be JSON")
    if not isinstance(body, dict):
        return _bad("body must be a JSON object")
    return body


def _who(world: WhatsAppWorld, body: dict[str, Any]) -> WaUser | Response:
    """The user a control call is about: ``from`` (a number) or ``user_id`` (a BSUID)."""
    sender, bsuid = body.get("from"), body.get("user_id")
    if isinstance(bsuid, str) and sender is None:
        user = world.users.for_bsuid(bsuid)
        return user if user is not None else _bad(f"no user has the user_id {bsuid!r}")
    if not isinstance(sender, str) or not _PHONE.match(re.sub(r"[\s\-()]", "", sender)):
        return _bad(
            "'from' must be a phone number in E.164 (digits, optional +), or give 'user_id'"
        )
    return world.users.for_phone(re.sub(r"\D", "", sender))


def _content(body: dict[str, Any]) -> dict[str, Any] | Response:
    text, button, reply = body.get("text"), body.get("button"), body.get("interactive")
    if sum(v is not None for v in (text, button, reply)) != 1:
        return _bad("give exactly one of 'text', 'button' or 'interactive'")
    if text is not None:
        if not isinstance(text, str) or not text:
            return _bad("'text' must be a non-empty string")
        return webhooks.text_content(text)
    if button is not None:
        label = button.get("text") if isinstance(button, dict) else None
        payload = button.get("payload", label) if isinstance(button, dict) else None
        if not isinstance(label, str) or not label or not isinstance(payload, str):
            return _bad('\'button\' must be {"text": str, "payload"?: str}')
        return webhooks.button_content(label, payload)
    ok = isinstance(reply, dict) and all(isinstance(reply.get(k), str) for k in ("id", "title"))
    if not ok:
        return _bad('\'interactive\' must be {"id": str, "title": str}')
    assert isinstance(reply, dict)
    return webhooks.interactive_reply_content(reply["id"], reply["title"])


def _user(user: WaUser) -> dict[str, Any]:
    return {
        "phone": "+" + user.wa_id,
        "user_id": user.user_id,
        "username": user.username,
        "name": user.name,
        "hides_phone": user.hides_phone,
        "previous_user_ids": user.previous_user_ids,
    }
