"""Signed-webhook delivery shared by the Xero and WhatsApp emulators.

Real services never deliver a webhook inside the API request that caused it: they queue it, send
it later, and retry failures with growing gaps until a service-specific age limit (Xero: 24 hours,
Meta: 7 days), then give up. Receivers written against the sandbox must cope with exactly that, so
the emulators enqueue here and a separate step delivers:

- tests call ``await deliverer.drain()`` after moving a :class:`~component.clock.FakeClock`, which
  performs every delivery that is due *by that clock* and returns what it did;
- ``sandbox serve`` runs :meth:`WebhookDeliverer.run_forever` in the background.

What counts as delivered is the sender's rule, given per delivery (``accepts``): any 2xx by
default; Xero's is stricter (a 200 with an empty body within 5 seconds, see
:func:`xero_accepts`). A sender may also ask to hear when a delivery is given up (``on_give_up``):
Xero then disables the whole subscription.

Bodies are signed by the caller (each service signs differently); this module only sends bytes and
headers as given, so what the receiver verifies is exactly what was signed. The HTTP client comes
from an injected factory: in-process tests deliver into an ASGI app through ``httpx.ASGITransport``,
serve mode uses the network. Headers and bodies are never logged (they carry signatures and customer
data); URLs are logged without their query string.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import random
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

import httpx

from component.clock import Clock

log = logging.getLogger(__name__)

DeliveryState = Literal["pending", "delivered", "given_up"]
#: (status code, response body, seconds the answer took) → did the receiver accept it?
Accepts = Callable[[int, bytes, float], bool]
#: Xero's limit for an answer to a webhook.
XERO_ANSWER_SECONDS = 5.0


def any_2xx(status: int, body: bytes, seconds: float) -> bool:
    """Meta's rule (and the default): any 2xx answer is a delivery."""
    return 200 <= status < 300


def xero_accepts(status: int, body: bytes, seconds: float) -> bool:
    """Xero's rule: exactly 200, an EMPTY body, within 5 seconds; anything else is a failure
    that Xero retries (a 202, a 204 or a 200 saying "ok" are all failures)."""
    return status == 200 and not body and seconds <= XERO_ANSWER_SECONDS


#: Keep the attempt log bounded in a long-running ``sandbox serve``.
MAX_RECORDS = 10_000


@dataclass
class _Delivery:
    """One webhook to send, possibly over several attempts."""

    id: str
    kind: str
    url: str
    body: bytes
    headers: dict[str, str]
    max_age_seconds: float
    enqueued_at: datetime
    due_at: datetime
    seq: int
    accepts: Accepts = any_2xx
    on_give_up: Callable[[], None] | None = None
    attempts: int = 0
    first_attempt_at: datetime | None = None
    state: DeliveryState = "pending"


@dataclass(frozen=True)
class AttemptRecord:
    """What one attempt did; serialised by ``GET /_sandbox/webhooks/deliveries``."""

    id: str
    delivery_id: str
    kind: str
    url: str
    attempt: int
    status_code: int | None
    error: str | None
    response_bytes: int
    enqueued_at: datetime
    started_at: datetime
    finished_at: datetime
    state: DeliveryState
    next_attempt_at: datetime | None = None

    @property
    def ok(self) -> bool:
        return self.state == "delivered"

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "delivery_id": self.delivery_id,
            "kind": self.kind,
            "url": self.url,
            "attempt": self.attempt,
            "status_code": self.status_code,
            "error": self.error,
            "response_bytes": self.response_bytes,
            "enqueued_at": self.enqueued_at.isoformat(),
            "started_at": self.started_at.isoformat(),
            "finished_at": self.finished_at.isoformat(),
            "state": self.state,
            "next_attempt_at": self.next_attempt_at.isoformat() if self.next_attempt_at else None,
        }


def _loggable(url: str) -> str:
    """The URL without its query string, which may carry a token."""
    return url.split("?", 1)[0]


class WebhookDeliverer:
    """Queue of signed webhooks, delivered when due by the clock, retried with jittered backoff.

    ``base_backoff_seconds`` doubles per failed attempt up to ``max_backoff_seconds``; each gap is
    scaled by a factor in [0.5, 1.0) drawn from ``random.Random(seed)`` so runs are reproducible.
    A delivery whose next attempt would fall later than ``max_age_seconds`` after its first
    attempt is given up, like Xero (24 h) and Meta (7 days) do.
    """

    def __init__(
        self,
        clock: Clock,
        client_factory: Callable[[], httpx.AsyncClient],
        *,
        seed: int = 0,
        timeout_seconds: float = 5.0,
        base_backoff_seconds: float = 30.0,
        max_backoff_seconds: float = 3600.0,
    ) -> None:
        self._clock = clock
        self._client_factory = client_factory
        self._client: httpx.AsyncClient | None = None
        self._seed = seed
        self._rng = random.Random(seed)  # noqa: S311 - jitter, not security
        self.timeout_seconds = timeout_seconds
        self.base_backoff_seconds = base_backoff_seconds
        self.max_backoff_seconds = max_backoff_seconds
        self._queue: list[_Delivery] = []
        self._records: deque[AttemptRecord] = deque(maxlen=MAX_RECORDS)
        self._ids = itertools.count(1)
        self._attempt_ids = itertools.count(1)
        self._lock = asyncio.Lock()

    # -- queueing ---------------------------------------------------------------------------

    def enqueue(
        self,
        kind: str,
        url: str,
        body: bytes,
        headers: dict[str, str],
        *,
        max_age_seconds: float,
        delay_seconds: float = 0.0,
        accepts: Accepts = any_2xx,
        on_give_up: Callable[[], None] | None = None,
    ) -> str:
        """Queue one webhook; returns its delivery id. ``delay_seconds`` defers the first attempt.

        The delay lets an emulator schedule an event that happens later (a WhatsApp ``delivered``
        status some seconds after ``sent``) without a timer of its own: it becomes due as the
        clock advances.
        """
        now = self._clock.now()
        seq = next(self._ids)
        delivery = _Delivery(
            id=f"dlv_{seq}",
            kind=kind,
            url=url,
            body=body,
            headers=dict(headers),
            max_age_seconds=max_age_seconds,
            enqueued_at=now,
            due_at=now + timedelta(seconds=max(0.0, delay_seconds)),
            seq=seq,
            accepts=accepts,
            on_give_up=on_give_up,
        )
        self._queue.append(delivery)
        return delivery.id

    def pending(self) -> int:
        """How many deliveries are still queued (due or not)."""
        return len(self._queue)

    def next_due_at(self) -> datetime | None:
        """When the earliest queued delivery becomes due, if any."""
        return min((d.due_at for d in self._queue), default=None)

    def records(self) -> list[dict[str, Any]]:
        """Every attempt so far, oldest first, as JSON-ready dicts."""
        return [r.to_dict() for r in self._records]

    def attempts(self) -> list[AttemptRecord]:
        """Every attempt so far as typed records (for tests and emulators)."""
        return list(self._records)

    def cancel_pending(self, kind_prefix: str) -> int:
        """Drop queued deliveries whose kind starts with ``kind_prefix`` (one emulator's reset
        must not lose the other's webhooks); returns how many were dropped."""
        keep = [d for d in self._queue if not d.kind.startswith(kind_prefix)]
        dropped = len(self._queue) - len(keep)
        self._queue[:] = keep
        return dropped

    def reset(self) -> None:
        """Forget queued deliveries and the attempt log (``POST /_sandbox/reset``)."""
        self._queue.clear()
        self._records.clear()
        self._rng = random.Random(self._seed)  # noqa: S311 - jitter, not security

    # -- delivering -------------------------------------------------------------------------

    async def drain(self) -> list[AttemptRecord]:
        """Attempt every delivery that is due now, in due order; return the attempts made.

        Deliveries run one after another so a receiver sees events in the order they happened
        (``sent`` before ``delivered``), as it usually does with the real services. Retries land
        in the future, so one pass cannot loop; a receiver that causes new immediate webhooks gets
        them in the same call.
        """
        done: list[AttemptRecord] = []
        async with self._lock:
            while True:
                now = self._clock.now()
                due = sorted(
                    (d for d in self._queue if d.due_at <= now), key=lambda d: (d.due_at, d.seq)
                )
                if not due:
                    return done
                for delivery in due:
                    done.append(await self._attempt(delivery))

    async def run_forever(self, poll_seconds: float = 1.0) -> None:
        """Serve mode: drain, sleep on the clock, repeat until cancelled."""
        while True:
            try:
                await self.drain()
            except Exception:  # a bad receiver must not stop the sandbox
                log.exception("webhook drain failed")
            await self._clock.sleep(poll_seconds)

    def client(self) -> httpx.AsyncClient:
        """The HTTP client webhooks go out on (made by the factory on first use); emulators
        reuse it for their other outbound calls, such as Meta's subscription check."""
        if self._client is None:
            self._client = self._client_factory()
        return self._client

    async def aclose(self) -> None:
        """Close the HTTP client made by the factory, if one was made."""
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    async def _attempt(self, delivery: _Delivery) -> AttemptRecord:
        started = self._clock.now()
        if delivery.first_attempt_at is None:
            delivery.first_attempt_at = started
        delivery.attempts += 1
        status_code: int | None = None
        error: str | None = None
        body = b""
        size = 0
        try:
            response = await self.client().post(
                delivery.url,
                content=delivery.body,
                headers=delivery.headers,
                timeout=self.timeout_seconds,
            )
            status_code = response.status_code
            body = response.content
            size = len(body)
        except httpx.TimeoutException as exc:
            error = f"timeout: {type(exc).__name__}"
        except httpx.HTTPError as exc:
            error = f"transport: {type(exc).__name__}"
        finished = self._clock.now()
        took = (finished - started).total_seconds()
        ok = status_code is not None and delivery.accepts(status_code, body, took)
        if status_code is not None and not ok:
            error = f"not accepted: HTTP {status_code}, {size} body bytes, {took:.1f} s"
        next_at = None if ok else self._next_attempt_at(delivery, finished)
        if ok:
            delivery.state = "delivered"
        elif next_at is None:
            delivery.state = "given_up"
        else:
            delivery.due_at = next_at
        if delivery.state != "pending":
            self._queue.remove(delivery)
        if delivery.state == "given_up" and delivery.on_give_up is not None:
            delivery.on_give_up()
        record = AttemptRecord(
            id=f"att_{next(self._attempt_ids)}",
            delivery_id=delivery.id,
            kind=delivery.kind,
            url=_loggable(delivery.url),
            attempt=delivery.attempts,
            status_code=status_code,
            error=error,
            response_bytes=size,
            enqueued_at=delivery.enqueued_at,
            started_at=started,
            finished_at=finished,
            state=delivery.state,
            next_attempt_at=next_at,
        )
        self._records.append(record)
        log.info(
            "webhook %s %s attempt %d -> %s (%s)",
            delivery.kind,
            record.url,
            record.attempt,
            status_code if status_code is not None else error,
            delivery.state,
        )
        return record

    def _next_attempt_at(self, delivery: _Delivery, now: datetime) -> datetime | None:
        """Backoff with jitter; ``None`` once the age limit would be passed."""
        exponent = min(delivery.attempts - 1, 30)
        gap = min(self.max_backoff_seconds, self.base_backoff_seconds * (2**exponent))
        gap *= 0.5 + 0.5 * self._rng.random()
        candidate = now + timedelta(seconds=gap)
        first = delivery.first_attempt_at or now
        if candidate > first + timedelta(seconds=delivery.max_age_seconds):
            return None
        return candidate
