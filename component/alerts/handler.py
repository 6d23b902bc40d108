"""One claimed event → done, retried later, or parked: what happens after its work ran.

Failures: an error that cannot succeed later (Xero's 4xx such as a deleted invoice, bad input)
parks at once; anything else retries after ``base * 2^(attempt-1)`` seconds (capped, with a
little jitter; Retry-After when Xero gave one) until ``XERO_WA_WORKER_MAX_ATTEMPTS``. An event
leaves the queue only as ``done`` or ``parked`` (with its error, listed by ``xero-wa events``,
replayable). The loop that claims events is the service's worker (``component.service.worker``).
"""

from __future__ import annotations

import asyncio
import logging
import random
from datetime import timedelta
from typing import Protocol

from component import errors
from component.runtime import Runtime
from component.service.config import ServiceConfig
from component.storage.events import Event

log = logging.getLogger("xero_wa.service.worker")


class Processor(Protocol):
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
        except Exception as exc:
            await self._failed(event, exc)
            return
        await asyncio.to_thread(events.complete, event.id, self.owner, self.runtime.clock.now())
        self.processed += 1
        log.info("event %d (%s %s) done: %s", event.id, event.category, event.event_type, outcome)

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
