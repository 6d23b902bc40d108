"""The Xero webhook: verify, store, answer; nothing slow before the 200.

Xero signs the raw body: ``x-xero-signature = base64(HMAC-SHA256(webhook key, body))``. Anything
but a match gets 401 with an empty body (Intent to Receive fails an endpoint that answers a bad
signature with anything else), a match gets 200 with an empty body once every event is in the
durable queue. The 200 never waits on Xero or WhatsApp: the worker fetches the records later, so
the answer comes well inside Xero's 5 seconds whatever the backlog. Deliveries arriving together
are committed together (``storage.group_commit``: one transaction and one fsync for all of them,
off the event loop); each is answered 200 only once that commit is done.

An empty or unset key refuses everything: an HMAC with an empty key is one anyone can compute.
"""

from __future__ import annotations

import base64
import hmac
import logging
from typing import Any

from component import bounded_json
from component.service.http import off_loop
from component.service.logging import note_access
from component.service.trigger import TriggerContext, TriggerResponse
from component.storage.events import NewEvent
from component.storage.group_commit import writes_for

log = logging.getLogger("xero_wa.service.webhooks.xero")

SIGNATURE_HEADER = "x-xero-signature"
REQUIRED_FIELDS = ("tenantId", "eventCategory", "resourceId", "eventType", "eventDateUtc")

OK = TriggerResponse(200)
UNAUTHORIZED = TriggerResponse(401)
BAD_REQUEST = TriggerResponse(400)


class PayloadError(ValueError):
    """A correctly signed body that is not a Xero webhook payload."""


def sign(key: str, body: bytes) -> str:
    """The header value Xero would send for ``body`` (used by tests, the bench and the sandbox)."""
    digest = hmac.digest(key.encode("utf-8"), body, "sha256")  # one C call: on every delivery
    return base64.b64encode(digest).decode("ascii")


def signature_ok(key: str, body: bytes, header: str | None) -> bool:
    """Constant-time comparison of the header with the expected signature."""
    if not key or not header:
        return False
    try:
        given = header.strip().encode("ascii")
    except UnicodeEncodeError:
        return False
    return hmac.compare_digest(sign(key, body).encode("ascii"), given)


def parse_events(body: bytes) -> list[NewEvent]:
    """The events of a payload; ``events: []`` or ``null`` (Intent to Receive) gives none.

    Events missing a field are dropped with a warning rather than failing the delivery: a 4xx
    would make Xero retry the whole batch for a day and then disable the webhook.
    """
    try:
        payload = bounded_json.loads(body)
    except bounded_json.JsonProblem as exc:
        raise PayloadError(f"body: {exc}") from None
    if not isinstance(payload, dict):
        raise PayloadError("body is not a JSON object")
    raw = payload.get("events")
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise PayloadError("'events' is not a list")
    events = [_event(item) for item in raw]
    kept = [e for e in events if e is not None]
    if len(kept) < len(events):
        log.warning("dropped %d malformed event(s) of a signed delivery", len(events) - len(kept))
    return kept


def _event(item: Any) -> NewEvent | None:
    if not isinstance(item, dict):
        return None
    if not all(isinstance(item.get(name), str) and item[name] for name in REQUIRED_FIELDS):
        return None
    url = item.get("resourceUrl")
    return NewEvent(
        tenant_id=item["tenantId"],
        category=item["eventCategory"].upper(),
        resource_id=item["resourceId"],
        event_type=item["eventType"].upper(),
        event_date=item["eventDateUtc"],
        resource_url=url if isinstance(url, str) else None,
    )


async def receive(ctx: TriggerContext) -> TriggerResponse:
    """``POST /webhooks/xero``: 401 unless signed with ``webhookKey``; 200 once stored."""
    request = ctx.request
    key = str(ctx.inputs.get("webhookKey") or "")
    if not signature_ok(key, request.body, request.headers.get(SIGNATURE_HEADER)):
        return UNAUTHORIZED
    try:
        events = await off_loop(parse_events, request.body)
    except PayloadError as exc:
        log.warning("signed Xero delivery refused: %s", exc)
        return BAD_REQUEST
    if events:
        runtime = ctx.runtime
        queue, now = runtime.store.events, runtime.clock.now()
        added = await writes_for(runtime).run(lambda: queue.enqueue(events, now))
        summary = f"{len(events)} event(s), {added} new"
        if not note_access(summary):  # on the request's access line, not a line of its own
            log.info("xero webhook: %s", summary)
        if added:
            ctx.wake_worker()
    return OK
