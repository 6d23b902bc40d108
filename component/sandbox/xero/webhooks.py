"""The Xero webhook sender: metadata-only events, signed with the webhook key, queued for delivery.

Real Xero never sends the changed record, only which record changed (category, id, tenant), and
signs the raw body with ``x-xero-signature = base64(HMAC-SHA256(webhook key, body))``. Events from
one API call travel in one POST. Delivery, retries with backoff and the 24-hour give-up are the
shared :class:`~component.sandbox.delivery.WebhookDeliverer`; this module builds and signs, and
applies Xero's rules: only a 200 with an empty body within 5 seconds is a delivery, and once a
delivery has failed for 24 hours the subscription is disabled: queued events are dropped and new
ones are not sent until the webhook URL is saved again (``PUT /_sandbox/xero/webhook``), as
re-enabling it in Xero's developer portal would.

The Intent-to-Receive check reproduces what Xero does when a webhook URL is saved: several empty
payloads, some correctly signed and some not; the receiver passes only if it answers 200 with an
empty body to the good ones and 401 to the bad ones.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import random
import string
from collections.abc import Callable
from datetime import UTC
from typing import Any, Literal

import httpx

from component.sandbox.clock import SandboxClock
from component.sandbox.config import SandboxConfig
from component.sandbox.delivery import WebhookDeliverer, xero_accepts

Category = Literal["INVOICE", "CONTACT"]
EventType = Literal["CREATE", "UPDATE"]
RESOURCE_PATHS = {"INVOICE": "Invoices", "CONTACT": "Contacts"}
MAX_EVENTS_KEPT = 10_000


def sign(key: str, body: bytes) -> str:
    return base64.b64encode(hmac.new(key.encode(), body, hashlib.sha256).digest()).decode()


class XeroWebhooks:
    def __init__(
        self,
        clock: SandboxClock,
        config: SandboxConfig,
        deliverer: WebhookDeliverer,
        client_factory: Callable[[], httpx.AsyncClient],
    ) -> None:
        self.clock = clock
        self.config = config
        self.deliverer = deliverer
        self.client_factory = client_factory
        self.sequence = 0
        self.sent: list[dict[str, Any]] = []
        #: Set once a delivery failed for 24 hours; nothing is sent until ``enable()``.
        self.disabled = False
        self._rng = random.Random(f"xero-webhooks:{config.demo.seed}")  # noqa: S311 - entropy only

    def event(
        self, tenant_id: str, category: Category, resource_id: str, event_type: EventType
    ) -> dict[str, Any]:
        now = self.clock.now().astimezone(UTC)
        base = self.config.base_url.rstrip("/")
        return {
            "resourceUrl": f"{base}/api.xro/2.0/{RESOURCE_PATHS[category]}/{resource_id}",
            "resourceId": resource_id,
            "eventDateUtc": now.strftime("%Y-%m-%dT%H:%M:%S.") + f"{now.microsecond // 1000:03d}",
            "eventType": event_type,
            "eventCategory": category,
            "tenantId": tenant_id,
            "tenantType": "ORGANISATION",
        }

    def publish(self, events: list[dict[str, Any]]) -> str | None:
        """Sign and queue one POST carrying ``events``; returns the delivery id (None if no URL)."""
        if not events:
            return None
        first = self.sequence + 1
        self.sequence += len(events)
        payload = {
            "events": events,
            "firstEventSequence": first,
            "lastEventSequence": self.sequence,
            "entropy": self._entropy(),
        }
        self.sent.append(payload)
        del self.sent[:-MAX_EVENTS_KEPT]
        url = self.config.xero.webhook_url
        if not url or self.disabled:
            return None
        body = json.dumps(payload, separators=(",", ":")).encode()
        headers = {
            "Content-Type": "application/json",
            "x-xero-signature": sign(self.config.xero.webhook_key, body),
        }
        return self.deliverer.enqueue(
            "xero",
            url,
            body,
            headers,
            max_age_seconds=self.config.xero.webhook_max_age_seconds,
            accepts=xero_accepts,
            on_give_up=self.disable,
        )

    def disable(self) -> None:
        """Xero gave up on a delivery after 24 hours: the subscription stops, queued events too."""
        if not self.disabled:
            self.disabled = True
            self.deliverer.cancel_pending("xero")

    def enable(self) -> None:
        """The webhook was saved again (the developer portal's re-enable)."""
        self.disabled = False

    def _entropy(self) -> str:
        return "".join(self._rng.choice(string.ascii_uppercase) for _ in range(20))

    async def intent_check(self, url: str, rounds: int = 2) -> dict[str, Any]:
        """Send ``rounds`` good and ``rounds`` bad Intent-to-Receive posts; report the verdict."""
        plan = ["correct", "incorrect"] * rounds
        self._rng.shuffle(plan)
        attempts: list[dict[str, Any]] = []
        async with self.client_factory() as client:
            for signing in plan:
                payload = {
                    "events": [],
                    "firstEventSequence": 0,
                    "lastEventSequence": 0,
                    "entropy": self._entropy(),
                }
                body = json.dumps(payload, separators=(",", ":")).encode()
                key = self.config.xero.webhook_key if signing == "correct" else self._wrong_key()
                headers = {"Content-Type": "application/json", "x-xero-signature": sign(key, body)}
                attempts.append(await _probe(client, url, body, headers, signing))
        return {"url": url, "passed": all(a["ok"] for a in attempts), "attempts": attempts}

    def _wrong_key(self) -> str:
        return "".join(self._rng.choice(string.ascii_letters) for _ in range(32))


async def _probe(
    client: httpx.AsyncClient, url: str, body: bytes, headers: dict[str, str], signing: str
) -> dict[str, Any]:
    expected = 200 if signing == "correct" else 401
    result: dict[str, Any] = {"signature": signing, "expected_status": expected}
    try:
        response = await client.post(url, content=body, headers=headers, timeout=5.0)
    except httpx.HTTPError as exc:
        result.update(status=None, ok=False, error=f"{type(exc).__name__}")
        return result
    empty = len(response.content) == 0
    ok = response.status_code == expected and (signing == "incorrect" or empty)
    result.update(status=response.status_code, body_empty=empty, ok=ok)
    if response.status_code == 200 and not empty and signing == "correct":
        result["error"] = "a correctly signed intent-to-receive must get an EMPTY 200 body"
    return result
