"""The WhatsApp half of the sandbox control API, mounted by the app under ``/_sandbox/whatsapp``.

These are the levers and windows a test or a demo needs that Meta does not offer: see every
message the product sent (with the parameters as the customer would read them), make a customer
write "STOP", push due status webhooks now, start over, and count what happened.
"""

from __future__ import annotations

import json
import re
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from component.sandbox.whatsapp.world import WhatsAppWorld

_PHONE = re.compile(r"^\+?\d{5,15}$")


def _bad(message: str) -> JSONResponse:
    return JSONResponse({"error": {"message": message}}, status_code=400)


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

    return [
        Route("/messages", list_messages, methods=["GET"]),
        Route("/inbound", inbound, methods=["POST"]),
        Route("/statuses/flush", flush, methods=["POST"]),
        Route("/reset", reset, methods=["POST"]),
        Route("/stats", stats, methods=["GET"]),
    ]
