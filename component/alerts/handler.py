"""One claimed event → done, retried later, or parked: what happens after its work ran.

Failures: an error that cannot succeed later (Xero's 4xx such as a deleted invoice, bad input)
parks at once; anything else retries after ``base * 2^(attempt-1)`` seconds (capped, with a
little jitter; Retry-After when Xero gave one) until ``XERO_WA_WORKER_MAX_ATTEMPTS``. An event
leaves the queue only as ``done`` or ``parked`` (with its error, listed by ``xero-wa events``,
replayable). An event whose recipient has messages queued ahead (``notify.pacing.Deferred``)
is given back until its turn, the attempt not counted. The events run side by side
(``alerts.pool``); the loop that claims them is the service's worker
(``component.service.worker``).
"""

from __future__ import annotations

import asyncio
import logging
import random
from datetime import timedelta
from typing import Protocol

from component import errors
from component.notify.pacing import Deferred
from component.runtime import Runtime
from component.service.config import ServiceConfig
from component.storage.events import Event

log = logging.getLogger("xero_wa.service.worker")


class Processor(Protocol):
    async def before(self, events: list[Event]) -> None:
        """Work due before any event of a claimed batch starts (stops known from records)."""

    async def process(self, event: Event) -> str:
        """Do the event's work; returns what was done, for the log. Raises to fail it."""


class EventHandler:
    def __init__(
        self, runtime: Runtime, config: ServiceConfig, processor: Processor, owner: str
    ) -> None:
        self.runtime = runtime
        self.config = config
        self.processor = processor
        self.owner = owner
        self.processed = 0

    async def handle(self, event: Event) -> None:
        events = self.runtime.store.events
        try:
            outcome = await self.processor.process(event)
        except Deferred as wait:
            await self._deferred(event, wait)
            return
        except Exception as exc:
            await self._failed(event, exc)
            return
        await asyncio.to_thread(events.complete, event.id, self.owner, self.runtime.clock.now())
        self.processed += 1
        log.info("event %d (%s %s) done: %s", event.id, event.category, event.event_type, outcome)

    async def _deferred(self, event: Event, wait: Deferred) -> None:
        now = self.runtime.clock.now()
        until = now + timedelta(seconds=wait.seconds)
        events = self.runtime.store.events
        await asyncio.to_thread(events.defer, event.id, self.owner, until, wait.reason, now)
        log.info("event %d waits %.1f s for its turn: %s", event.id, wait.seconds, wait.reason)

    async def _failed(self, event: Event, exc: Exception) -> None:
        events = self.runtime.store.events
        now = self.runtime.clock.now()
        if isinstance(exc, errors.XeroWaError):
            error = f"{exc.code}: {exc.message}"
        else:
            error = errors_text(exc)
            log.error("event %d crashed", event.id, exc_info=exc)
        max_attempts = self.config.xero_wa_worker_max_attempts
        if is_permanent(exc) or event.attempts >= max_attempts:
            await asyncio.to_thread(events.park, event.id, self.owner, error, now)
            log.warning("event %d parked after %d attempt(s): %s", event.id, event.attempts, error)
            return
        delay = self.backoff(event, exc)
        await asyncio.to_thread(
            events.retry, event.id, self.owner, error, now + timedelta(seconds=delay), now
        )
        log.info(
            "event %d failed (attempt %d), retry in %.0f s: %s",
            event.id,
            event.attempts,
            delay,
            error,
        )

    def backoff(self, event: Event, exc: Exception) -> float:
        """Exponential, capped, jittered by the event id (reproducible); Retry-After wins."""
        base = self.config.xero_wa_worker_backoff_seconds
        cap = self.config.xero_wa_worker_max_backoff_seconds
        delay = min(cap, base * 2.0 ** max(event.attempts - 1, 0))
        delay *= 0.8 + 0.2 * random.Random(f"{event.id}:{event.attempts}").random()  # noqa: S311
        retry_after = exc.retry_after if isinstance(exc, errors.UpstreamError) else None
        return max(delay, retry_after or 0.0)


def is_permanent(exc: BaseException) -> bool:
    """Errors a retry cannot fix: bad input or specs, and Xero's definite non-retryable answers."""
    if isinstance(exc, (errors.InputError, errors.SpecError)):
        return True
    if isinstance(exc, errors.UpstreamError):
        return not exc.retryable and exc.status is not None and 400 <= exc.status < 500
    return False


def errors_text(exc: BaseException) -> str:
    """An unexpected exception as a short line (its class and message, no traceback)."""
    return f"internal_error: {type(exc).__name__}: {exc}"[:500]
