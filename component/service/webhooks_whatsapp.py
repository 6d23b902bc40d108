"""The WhatsApp webhook: Meta's subscription check, message statuses and inbound opt-outs.

- ``GET`` answers ``hub.challenge`` when ``hub.mode`` is ``subscribe`` and ``hub.verify_token``
  matches (compared in constant time), 403 otherwise.
- ``POST`` is signed: ``X-Hub-Signature-256: sha256=<hex HMAC-SHA256(app secret, raw body)>``,
  or proven the way the connection's provider profile says (``webhookSignature``:
  ``component.whatsapp.signature``); anything else gets 401 with an empty body. A signed
  delivery is applied before the 200 (Meta retries for 7 days, so a 200 must mean "stored"):
  each status is stored once per (message id, status), failures with their error codes; inbound
  STOP/START words change the opt-out list.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
from collections.abc import Mapping
from typing import Any

from component import errors
from component.notify import inbound as effects
from component.service.http import off_loop
from component.service.trigger import TriggerContext, TriggerResponse
from component.whatsapp.payload import PayloadError, parse
from component.whatsapp.signature import META_HEADER, WebhookSignature, signature_of, verified

log = logging.getLogger("xero_wa.service.webhooks.whatsapp")

FORBIDDEN = TriggerResponse(403)
UNAUTHORIZED = TriggerResponse(401)
BAD_REQUEST = TriggerResponse(400)
OK = TriggerResponse(200)


def sign(secret: str, body: bytes) -> str:
    """The ``X-Hub-Signature-256`` value Meta would send for ``body``."""
    return WebhookSignature(secret).sign(body)[META_HEADER]


def verify_subscription(ctx: TriggerContext) -> TriggerResponse:
    """``GET``: echo the challenge to Meta when mode and token match."""
    query = ctx.request.query
    given = query.get("hub.verify_token", "")
    challenge = query.get("hub.challenge", "")
    configured = ctx.inputs.get("verifyToken")  # one token, or one per stored number
    tokens = configured if isinstance(configured, (list, tuple)) else [configured]
    matches = any(
        bool(token) and hmac.compare_digest(str(token).encode(), given.encode()) for token in tokens
    )
    if query.get("hub.mode") != "subscribe" or not matches or not challenge:
        return FORBIDDEN
    return TriggerResponse(200, challenge.encode("utf-8"), "text/plain")


def signatures(inputs: Mapping[str, Any]) -> list[WebhookSignature]:
    """The accepted proofs: one per configured secret (several stored numbers may have several),
    each with the configured scheme. A scheme that makes no sense accepts nothing (logged)."""
    given = inputs.get("appSecret")
    secrets = [given] if isinstance(given, str) or given is None else list(given)
    try:
        return [signature_of(inputs, str(secret or "")) for secret in secrets]
    except errors.InputError as exc:
        log.warning("WhatsApp webhook signature misconfigured, every delivery refused: %s", exc)
        return []


async def receive(ctx: TriggerContext) -> TriggerResponse:
    """``POST``: 401 unless proven (signed); 200 once statuses and words are stored."""
    request = ctx.request
    if not verified(signatures(ctx.inputs), request.body, request.headers):
        log.info("unproven WhatsApp delivery refused (401)")
        return UNAUTHORIZED
    try:
        statuses, inbound = await off_loop(parse, request.body)
    except PayloadError as exc:
        log.warning("signed WhatsApp delivery refused: %s", exc)
        return BAD_REQUEST
    if statuses or inbound:
        outcome = await asyncio.to_thread(effects.apply, ctx.runtime, statuses, inbound)
        log.info("whatsapp webhook: %s", outcome)
    return OK
