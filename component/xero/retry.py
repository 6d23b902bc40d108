"""When and how long ``XeroClient.request`` waits before trying a call again.

The official Xero SDKs retry nothing; a reminder job that dies on one 503 or one 429 is the most
common complaint about them. The rules here:

- 429 ``minute`` / ``concurrent`` / ``appminute``: wait exactly ``Retry-After`` (Xero knows when
  its window resets; jitter would only waste the window) and try again, a bounded number of times.
- 429 ``day``: never wait; the caller learns when the limit resets.
- 5xx and network failures: jittered exponential backoff, for reads and for writes that carry an
  ``Idempotency-Key`` (Xero replays the first result instead of creating a duplicate). A DELETE
  or a keyless write is not retried after an unknown outcome.
- Other 4xx: a caller's mistake; only ``rawRequest`` with Retry On All Errors retries them.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
KEYED_METHODS = frozenset({"PUT", "POST"})

#: Waits used when Xero answers 429 without a Retry-After header.
DEFAULT_RATE_LIMIT_WAIT = {"concurrent": 1.0}
FALLBACK_RATE_LIMIT_WAIT = 60.0


@dataclass(frozen=True)
class RetryPolicy:
    """Retry settings for one logical call.

    ``retries`` bounds the retries after a failure (5xx, network, or any error with
    ``retry_all_errors``); ``rate_limit_retries`` separately bounds the 429 waits, which are not
    failures but Xero's flow control. ``max_rate_limit_wait`` bounds the total seconds one call
    spends waiting out 429s (None: ``XERO_RATE_LIMIT_MAX_WAIT_SECONDS``); a wait that would pass
    it is not started: the caller gets the RateLimited error with ``retry_after`` instead of a
    job that hangs without a word (issue 10 item 16).
    """

    retries: int = 3
    base_delay: float = 0.5
    max_delay: float = 30.0
    exponential: bool = True
    retry_all_errors: bool = False
    rate_limit_retries: int = 10
    max_rate_limit_wait: float | None = None

    def may_retry_failure(self, method: str, keyed: bool) -> bool:
        """Whether a call whose outcome is unknown (5xx, network) may be sent again."""
        if self.retry_all_errors:
            return True
        return method in SAFE_METHODS or (method in KEYED_METHODS and keyed)

    def backoff(self, retry: int, rng: random.Random) -> float:
        """Seconds before retry number ``retry`` (0-based): equal jitter, never zero."""
        if not self.exponential:
            return self.base_delay
        ceiling = min(self.max_delay, self.base_delay * 2.0**retry)
        return ceiling / 2 + rng.uniform(0, ceiling / 2)


def rate_limit_wait(problem: str, retry_after: float | None) -> float:
    """How long to wait after a 429 of kind ``problem`` (``Retry-After`` when Xero gives one)."""
    if retry_after is not None:
        return retry_after
    return DEFAULT_RATE_LIMIT_WAIT.get(problem, FALLBACK_RATE_LIMIT_WAIT)
