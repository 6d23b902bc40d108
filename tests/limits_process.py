"""One process of the multi-process limits tests: a burst of Xero calls or WhatsApp sends.

    python -m tests.limits_process xero CALLS AT_ONCE
    python -m tests.limits_process whatsapp SENDS FIRST

It runs the product's own code (settings from the environment, the stored connections, the
executor, the Xero and WhatsApp clients with their limiters) on a clock that follows the served
sandbox's (``XERO_WA_SANDBOX_URL``): when the test moves the sandbox's time on, a process waiting
for a Xero minute window wakes as a real one would a minute later. Prints one JSON line: what
it did and how long its limiter made it wait.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx

from component import sessions
from component.config import load_settings
from component.executor import Executor
from component.runtime import Runtime
from component.whatsapp import templates as t
from component.whatsapp.client import WhatsAppClient

#: How often a sleeping process looks at the sandbox's clock.
POLL_SECONDS = 0.05


class SandboxTime:
    """The served sandbox's clock, from another process: real time plus its offset."""

    def __init__(self, control: str) -> None:
        self._control = control
        self._offset = float(httpx.get(f"{control}/clock").json()["offset_seconds"])

    def now(self) -> datetime:
        return datetime.now(UTC) + timedelta(seconds=self._offset)

    def monotonic(self) -> float:
        return time.monotonic() + self._offset

    async def sleep(self, seconds: float) -> None:
        until = self.monotonic() + max(0.0, seconds)
        async with httpx.AsyncClient() as client:
            while self.monotonic() < until:
                await asyncio.sleep(min(POLL_SECONDS, until - self.monotonic()))
                answer = await client.get(f"{self._control}/clock")
                self._offset = float(answer.json()["offset_seconds"])


async def xero(runtime: Runtime, calls: int, at_once: int) -> dict[str, Any]:
    executor = Executor(runtime)
    gate = asyncio.Semaphore(at_once)

    async def one() -> None:
        async with gate:
            await executor.invoke("listCurrencies", {}, "xero", source="cli")

    await asyncio.gather(*(one() for _ in range(calls)))
    limiters = runtime.shared["xero.limiters"]
    return {
        "calls": sum(lim.sent for lim in limiters.values()),
        "shared": all(lim.shared for lim in limiters.values()),
        "waited": sum(sum(lim.waits) for lim in limiters.values()),
    }


async def whatsapp(runtime: Runtime, sends: int, first: int) -> dict[str, Any]:
    """``sends`` reminders at once from the stored number, each to its own recipient (so only
    the number's throughput cap paces them, not the pair rate)."""
    client = WhatsAppClient(runtime, await sessions.resolve(runtime, "whatsapp", "whatsapp"))
    components = t.components(
        body_params=[
            t.text("Priya Textiles"),
            t.currency(Decimal("120000"), "INR", "en_IN"),
            t.text("2 overdue (INV-0142, INV-0145)"),
        ],
        buttons=[t.url_button("iNv0142aBcD")],
    )
    accepted: list[float] = []

    async def send(n: int) -> None:
        await client.send_template(f"+9198200{n:05d}", "payment_reminder_multi", "en", components)
        accepted.append(time.time())

    await asyncio.gather(*(send(n) for n in range(first, first + sends)))
    stats = client.pacer.stats
    return {
        "sends": stats.admitted,
        "shared": client.pacer.shared,
        "claims": stats.claims,
        "slowdowns": stats.slowdowns,
        "first": min(accepted),
        "last": max(accepted),
    }


async def main(argv: list[str]) -> dict[str, Any]:
    control = os.environ["XERO_WA_SANDBOX_URL"].rstrip("/") + "/_sandbox"
    runtime = Runtime(settings=load_settings(), clock=SandboxTime(control))
    try:
        if argv[0] == "xero":
            return await xero(runtime, int(argv[1]), int(argv[2]))
        if argv[0] == "whatsapp":
            return await whatsapp(runtime, int(argv[1]), int(argv[2]))
        raise SystemExit(f"unknown mode {argv[0]!r}")
    finally:
        await runtime.aclose()


if __name__ == "__main__":
    print(json.dumps(asyncio.run(main(sys.argv[1:]))), flush=True)
