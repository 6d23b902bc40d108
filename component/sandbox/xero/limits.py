"""Xero's rate limits, per tenant: a fixed minute window, a fixed day window, calls in flight,
and one app-wide minute window across all tenants.

Windows are fixed, not sliding, and each tenant's window starts with its first call, so limits
reset at different moments for different tenants, as Xero documents. A refused call is not
counted. Every accounting answer carries the ``X-*Limit-Remaining`` headers; a 429 adds
``X-Rate-Limit-Problem`` and, for ``minute`` and ``day``, ``Retry-After`` in whole seconds.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass
from typing import Any

from component.sandbox.clock import SandboxClock
from component.sandbox.config import LimitsConfig, SandboxConfig

MINUTE = 60.0
DAY = 86_400.0


@dataclass
class Window:
    length: float
    start: float = -math.inf
    count: int = 0

    def roll(self, now: float) -> None:
        if now >= self.start + self.length:
            self.start, self.count = now, 0

    def retry_after(self, now: float) -> int:
        return max(1, math.ceil(self.start + self.length - now))


@dataclass(frozen=True)
class Refusal:
    problem: str  # minute | day | concurrent | appminute
    retry_after: int | None


class Limiter:
    def __init__(self, clock: SandboxClock, config: SandboxConfig) -> None:
        self.clock = clock
        self.config = config
        self.minute: dict[str, Window] = {}
        self.day: dict[str, Window] = {}
        self.app_minute = Window(MINUTE)
        self.in_flight: Counter[str] = Counter()
        #: The most calls a tenant ever had in flight at once, counting one refused for being
        #: over ``concurrent``: what the clients asked for, which their limiters must keep at or
        #: under ``concurrent`` however many processes they run.
        self.peak_in_flight: Counter[str] = Counter()
        self.refused: Counter[str] = Counter()

    @property
    def limits(self) -> LimitsConfig:
        return self.config.limits

    def _windows(self, tenant: str) -> tuple[Window, Window]:
        now = self.clock.monotonic()
        minute = self.minute.setdefault(tenant, Window(MINUTE))
        day = self.day.setdefault(tenant, Window(DAY))
        for window in (minute, day, self.app_minute):
            window.roll(now)
        return minute, day

    def acquire(self, tenant: str) -> Refusal | None:
        """Count one call for ``tenant`` and hold a concurrency slot, or say why not."""
        now = self.clock.monotonic()
        minute, day = self._windows(tenant)
        asked = self.in_flight[tenant] + 1
        self.peak_in_flight[tenant] = max(self.peak_in_flight[tenant], asked)
        refusal: Refusal | None = None
        if self.app_minute.count >= self.limits.app_per_minute:
            refusal = Refusal("appminute", self.app_minute.retry_after(now))
        elif day.count >= self.limits.per_day:
            refusal = Refusal("day", day.retry_after(now))
        elif minute.count >= self.limits.per_minute:
            refusal = Refusal("minute", minute.retry_after(now))
        elif self.in_flight[tenant] >= self.limits.concurrent:
            refusal = Refusal("concurrent", None)
        if refusal is not None:
            self.refused[refusal.problem] += 1
            return refusal
        minute.count += 1
        day.count += 1
        self.app_minute.count += 1
        self.in_flight[tenant] += 1
        return None

    def release(self, tenant: str) -> None:
        self.in_flight[tenant] = max(0, self.in_flight[tenant] - 1)

    def forced(self, tenant: str) -> Refusal:
        """A 429 injected by fault configuration: a minute refusal with an honest Retry-After."""
        minute, _day = self._windows(tenant)
        self.refused["forced"] += 1
        if minute.count == 0:
            return Refusal("minute", int(MINUTE))
        return Refusal("minute", minute.retry_after(self.clock.monotonic()))

    def headers(self, tenant: str | None) -> dict[str, str]:
        limits = self.limits
        out = {
            "X-AppMinLimit-Remaining": str(max(0, limits.app_per_minute - self.app_minute.count))
        }
        if tenant is not None:
            minute, day = self._windows(tenant)
            out["X-MinLimit-Remaining"] = str(max(0, limits.per_minute - minute.count))
            out["X-DayLimit-Remaining"] = str(max(0, limits.per_day - day.count))
        return out

    def snapshot(self) -> dict[str, Any]:
        """Current limiter state for ``GET /_sandbox/stats``."""
        now = self.clock.monotonic()
        tenants: dict[str, Any] = {}
        for tenant in sorted(set(self.minute) | set(self.in_flight)):
            minute, day = self._windows(tenant)
            tenants[tenant] = {
                "minute_used": minute.count,
                "minute_resets_in": minute.retry_after(now) if minute.count else None,
                "day_used": day.count,
                "in_flight": self.in_flight[tenant],
                "peak_in_flight": self.peak_in_flight[tenant],
            }
        return {
            "limits": self.limits.model_dump(),
            "app_minute_used": self.app_minute.count,
            "tenants": tenants,
            "refused": dict(self.refused),
        }

    def reset(self) -> None:
        self.minute.clear()
        self.day.clear()
        self.app_minute = Window(MINUTE)
        self.in_flight.clear()
        self.peak_in_flight.clear()
        self.refused.clear()
