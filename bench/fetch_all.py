"""Every overdue invoice of a 10,000-invoice organisation: calls, time and rate-limit waits.

Two ways to get the same list, each against a fresh in-process sandbox seeded identically (so
neither inherits the other's rate-limit window), in one run:

1. ``listOverdueInvoices``: Xero filters (``Statuses=AUTHORISED`` + ``where``), 1,000 a page,
   through the component's client (limiter, retries);
2. a plain loop: ``GET /Invoices?page=N`` at Xero's default 100 a page until an empty page,
   filtering overdue invoices itself, as a naive connector does. It is given the courtesy of
   waiting out each 429 as Retry-After says (the official SDKs would simply fail).

The sandbox enforces Xero's limits (60 calls a minute per organisation) on a FakeClock shared
with the client, so rate-limit waits cost no real time: they are reported as "simulated wait".
Figures are measured in this run; this is not a test and asserts nothing about speed.

Usage: python bench/fetch_all.py [--invoices N]
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import time
from dataclasses import dataclass
from datetime import date
from typing import Any

import httpx

from component.clock import FakeClock
from component.config import Settings
from component.executor import Executor
from component.runtime import Runtime
from component.sandbox.config import DemoConfig, SandboxConfig, TenantSpec
from component.sandbox.embedded import EmbeddedSandbox, embedded
from component.xero.dates import calendar_date


@dataclass
class Counting(httpx.AsyncBaseTransport):
    """The sandbox transport, counting every call and every 429 answer."""

    inner: httpx.AsyncBaseTransport
    calls: int = 0
    refused: int = 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self.inner.handle_async_request(request)
        self.calls += 1
        self.refused += response.status_code == 429
        return response


@dataclass
class Figures:
    name: str
    calls: int
    refused: int
    overdue: int
    wall: float
    simulated_wait: float


def sandbox(invoices: int) -> tuple[EmbeddedSandbox, FakeClock]:
    clock = FakeClock()
    tenant = TenantSpec(name="Priya Textiles", contacts=500, invoices=invoices)
    config = SandboxConfig(demo=DemoConfig(tenants=[tenant]))
    return embedded(Settings(_env_file=None), clock=clock, config=config), clock  # type: ignore[call-arg]


async def component_way(invoices: int) -> tuple[Figures, set[str]]:
    box, clock = sandbox(invoices)
    transport = Counting(box.transport)
    runtime = Runtime(settings=box.settings, clock=clock, transport=transport)
    started, simulated = time.perf_counter(), clock.monotonic()
    try:
        result = await Executor(runtime).invoke("listOverdueInvoices", {}, box.token_connection())
    finally:
        await runtime.aclose()
    found = {i["InvoiceID"] for i in result["data"]["Invoices"]}
    wall = time.perf_counter() - started
    figures = Figures(
        "listOverdueInvoices (Xero filters, 1000/page)",
        transport.calls,
        transport.refused,
        len(found),
        wall,
        clock.monotonic() - simulated,
    )
    return figures, found


async def plain_loop(invoices: int) -> tuple[Figures, set[str]]:
    box, clock = sandbox(invoices)
    transport = Counting(box.transport)
    connection = box.token_connection()
    headers = {
        "Authorization": f"Bearer {connection['accessToken']}",
        "Xero-tenant-Id": connection["tenantId"],
        "Accept": "application/json",
    }
    today = clock.now().date()  # the demo organisation is in India: 15:00 there, same day
    found: set[str] = set()
    started, simulated = time.perf_counter(), clock.monotonic()
    async with httpx.AsyncClient(transport=transport, headers=headers) as http:
        page = 1
        while True:
            response = await http.get(
                f"{box.settings.xero_api_url}/Invoices", params={"page": page}
            )
            if response.status_code == 429:
                await clock.sleep(float(response.headers["Retry-After"]))
                continue
            response.raise_for_status()
            batch = response.json()["Invoices"]
            if not batch:
                break
            found |= {i["InvoiceID"] for i in batch if _overdue(i, today)}
            page += 1
    wall = time.perf_counter() - started
    figures = Figures(
        "plain loop (no filter, 100/page, until empty)",
        transport.calls,
        transport.refused,
        len(found),
        wall,
        clock.monotonic() - simulated,
    )
    return figures, found


def _overdue(invoice: dict[str, Any], today: date) -> bool:
    due = calendar_date(invoice, "DueDate")
    return (
        invoice.get("Type") == "ACCREC"
        and invoice.get("Status") == "AUTHORISED"
        and float(invoice.get("AmountDue") or 0) > 0
        and due is not None
        and due < today
    )


def report(invoices: int, rows: list[Figures]) -> None:
    print(f"Overdue invoices of a {invoices:,}-invoice sandbox organisation (60 calls/min limit)")
    print(f"{'approach':<48}{'calls':>6}{'429s':>6}{'overdue':>9}{'wall s':>9}{'sim. wait s':>13}")
    for row in rows:
        print(
            f"{row.name:<48}{row.calls:>6}{row.refused:>6}{row.overdue:>9}"
            f"{row.wall:>9.2f}{row.simulated_wait:>13.1f}"
        )
    ours, plain = rows
    print(
        f"calls: {plain.calls / ours.calls:.1f}x fewer "
        f"({ours.calls / 5000:.2%} vs {plain.calls / 5000:.2%} of a 5,000-call day); "
        f"wall time: {plain.wall / ours.wall:.1f}x less; "
        f"rate-limit wait: {ours.simulated_wait:.0f} s vs {plain.simulated_wait:.0f} s"
    )


async def main(invoices: int) -> None:
    ours, ours_found = await component_way(invoices)
    plain, plain_found = await plain_loop(invoices)
    if ours_found != plain_found:
        raise SystemExit("the two approaches found different overdue invoices")
    report(invoices, [ours, plain])


if __name__ == "__main__":
    logging.disable(logging.INFO)
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--invoices", type=int, default=10_000)
    asyncio.run(main(parser.parse_args().invoices))
