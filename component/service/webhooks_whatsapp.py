"""The WhatsApp webhook: Meta's subscription check, message statuses and inbound opt-outs.

- ``GET`` answers ``hub.challenge`` when ``hub.mode`` is ``subscribe`` and ``hub.verify_token``
  matches (compared in constant time), 403 otherwise.
- ``POST`` is signed: ``X-Hub-Signature-256: sha256=<hex HMAC-SHA256(app secret, raw body)>``;
  anything else gets 401 with an empty body. A signed delivery is applied before the 200 (Meta
  retries for 7 days, so a 200 must mean "stored"): each status is stored once per (message id,
  status), failures with their error codes; inbound STOP/START words change the opt-out list.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging

from component.notify import inbound as effects
from component.service.trigger import TriggerContext, TriggerResponse
from component.whatsapp.payload import PayloadError, parse

log = logging.getLogger("xero_wa.service.webhooks.whatsapp")

SIGNATURE_HEADER = "x-hub-signature-256"
FORBIDDEN = TriggerResponse(403)
UNAUTHORIZED = TriggerResponse(401)
BAD_REQUEST = TriggerResponse(400)
OK = TriggerResponse(200)


def sign(secret: str, body: bytes) -> str:
    """The header value Meta would send for ``body``."""
    digest = hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def signature_ok(secret: str, body: bytes, header: str | None) -> bool:
    if not secret or not header:
        return False
    try:
        given = header.strip().lower().encode("ascii")
    except UnicodeEncodeError:
        return False
    return hmac.compare_digest(sign(secret, body).encode("ascii"), given)


def verify_subscription(ctx: TriggerContext) -> TriggerResponse:
    """``GET``: echo the challenge to Meta when mode and token match."""
    query = ctx.request.query
    token = str(ctx.inputs.get("verifyToken") or "")
    given = query.get("hub.verify_token", "")
    challenge = query.get("hub.challenge", "")
    matches = bool(token) and hmac.compare_digest(token.encode(), given.encode())
    if query.get("hub.mode") != "subscribe" or not matches or not challenge:
        return FORBIDDEN
    return TriggerResponse(200, challenge.encode("utf-8"), "text/plain")


async def receive(ctx: TriggerContext) -> TriggerResponse:
    """``POST``: 401 unless signed with the app secret; 200 once statuses and words are stored."""
    request = ctx.request
    secret = str(ctx.inputs.get("appSecret") or "")
    if not signature_ok(secret, request.body, request.headers.get(SIGNATURE_HEADER)):
        return UNAUTHORIZED
    try:
        statuses, inbound = parse(request.body)
    except PayloadError as exc:
        log.warning("signed WhatsApp delivery refused: %s", exc)
        return BAD_REQUEST
    if statuses or inbound:
        outcome = await asyncio.to_thread(effects.apply, ctx.runtime, ctx.config, statuses, inbound)
        log.info("whatsapp webhook: %s", outcome)
    return OK
