"""The sandbox's clock: a base :class:`~component.clock.Clock` plus an adjustable offset.

Tests share one ``FakeClock`` between the client runtime and the sandbox, so moving it moves both.
``sandbox serve`` runs on the system clock, which nobody can move; ``POST /_sandbox/clock/advance``
adds to the offset instead, so "expire every token" or "start a new rate-limit minute" works there
too without waiting.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from component.clock import Clock


class SandboxClock:
    """``base`` shifted forward by ``offset_seconds``; ``advance`` only ever moves it forward."""

    def __init__(self, base: Clock) -> None:
        self.base = base
        self.offset_seconds = 0.0

    def now(self) -> datetime:
        return self.base.now() + timedelta(seconds=self.offset_seconds)

    def monotonic(self) -> float:
        return self.base.monotonic() + self.offset_seconds

    async def sleep(self, seconds: float) -> None:
        await self.base.sleep(seconds)

    def advance(self, seconds: float) -> None:
        """Jump ahead; negative values are refused because real time never goes back."""
        if seconds < 0:
            raise ValueError("the sandbox clock cannot go backwards")
        self.offset_seconds += seconds

    def today(self) -> date:
        return self.now().date()
