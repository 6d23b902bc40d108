"""The WhatsApp half of the sandbox control API, mounted by the app under ``/_sandbox/whatsapp``.

These are the levers and windows a test or a demo needs that Meta does not offer: see every
message the product sent (with the parameters as the customer would read them), make a customer
write "STOP", push due status webhooks now, start over, and count what happened.
"""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any

import httpx
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

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
        """Body ``{"from": "+9198...", "text": "STOP", "name"?: "Priya", "context_id"?: wamid}``."""
        try:
            body: Any = json.loads(await request.body() or b"{}")
        except (UnicodeDecodeError, json.JSONDecodeError):
            return _bad("body must be JSON")
        if not isinstance(body, dict):
            return _bad("body must be a JSON object")
        sender, text = body.get("from"), body.get("text")
        if not isinstance(sender, str) or not _PHONE.match(re.sub(r"[\s\-()]", "", sender)):
            return _bad("'from' must be a phone number in E.164 (digits, optional +)")
        if not isinstance(text, str) or not text:
            return _bad("'text' must be a non-empty string")
        name = body.get("name", "Customer")
        context_id = body.get("context_id")
        if not isinstance(name, str) or not (context_id is None or isinstance(context_id, str)):
            return _bad("'name' and 'context_id' must be strings")
        wa_id = re.sub(r"\D", "", sender)
        record = world.inbound(wa_id, text, name=name, context_id=context_id)
        return JSONResponse(record)

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

    return [
        Route("/messages", list_messages, methods=["GET"]),
        Route("/inbound", inbound, methods=["POST"]),
        Route("/statuses/flush", flush, methods=["POST"]),
        Route("/reset", reset, methods=["POST"]),
        Route("/stats", stats, methods=["GET"]),
        Route("/webhook/verify", subscribe, methods=["POST"]),
    ]
