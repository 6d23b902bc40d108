"""How often one WhatsApp call is tried again, and how long to wait in between.

Kept apart from the client so the bounds are one small, visible object: the reminder job may
pass a stricter ``SendPolicy`` (fewer retries in a hurry) without touching the client's rules.
"""

from __future__ import annotations

import random
from dataclasses import dataclass


@dataclass(frozen=True)
class SendPolicy:
    """Bounds of the automatic retries of one call (the rules: ``component.whatsapp.client``)."""

    throughput_retries: int = 5
    pair_retries: int = 3
    failure_retries: int = 3
    base_delay: float = 0.5
    max_delay: float = 30.0

    def backoff(self, failures: int, rng: random.Random) -> float:
        """Equal-jitter exponential backoff: half fixed, half random, never zero."""
        ceiling = min(self.max_delay, self.base_delay * 2.0**failures)
        return ceiling / 2 + rng.uniform(0, ceiling / 2)


@dataclass
class Tries:
    """Retries used so far by one logical call, per reason."""

    throughput: int = 0
    pair: int = 0
    failures: int = 0
