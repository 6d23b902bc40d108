"""Executor overhead: N getInvoice invocations through registry + executor vs the same request
sent directly with httpx, both over one in-memory transport, in one run. Target: ratio <= 1.5.

Also times `xero-wa --help` against `python -c "import httpx"` (start-up must stay light).

Rounds alternate between the two paths and the median round is reported, so a noisy neighbour
on this shared machine shifts both sides alike.

Usage: python bench/executor.py [--calls N] [--rounds R]
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import statistics
import subprocess
import sys
import time
from pathlib import Path

import httpx

from component.config import Settings
from component.executor import Executor
from component.runtime import Runtime

API = "https://api.xero.com/api.xro/2.0"
CONNECTION = {"type": "xeroToken", "accessToken": "bench-token", "tenantId": "tenant-1"}
INVOICE = {
    "Invoices": [
        {
            "InvoiceID": "3b5e8c1d-7f2a-4e6b-9d0c-1a2b3c4d5e6f",
            "InvoiceNumber": "INV-0142",
            "Status": "AUTHORISED",
            "AmountDue": 48500.0,
            "Contact": {"Name": "Priya Textiles"},
        }
    ]
}


def transport() -> httpx.MockTransport:
    return httpx.MockTransport(lambda request: httpx.Response(200, json=INVOICE))


async def executor_round(executor: Executor, calls: int) -> float:
    started = time.perf_counter()
    for i in range(calls):
        await executor.invoke("getInvoice", {"invoiceId": f"INV-{i}"}, CONNECTION)
    return time.perf_counter() - started


async def direct_round(client: httpx.AsyncClient, calls: int) -> float:
    headers = {
        "Authorization": "Bearer bench-token",
        "Xero-tenant-Id": "tenant-1",
        "Accept": "application/json",
    }
    started = time.perf_counter()
    for i in range(calls):
        response = await client.get(f"{API}/Invoices/INV-{i}", headers=headers)
        response.raise_for_status()
        response.json()
    return time.perf_counter() - started


async def compare(calls: int, rounds: int) -> tuple[float, float]:
    # The per-tenant limiter stays in the path (its cost is part of the overhead measured), but
    # with limits no in-memory burst reaches: Xero's 60 a minute would otherwise pace the bench.
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        xero_minute_call_limit=10**9,
        xero_daily_call_budget=10**9,
    )
    runtime = Runtime(settings=settings, transport=transport())
    executor = Executor(runtime)
    client = httpx.AsyncClient(transport=transport())
    await executor_round(executor, 50)  # warm caches (spec, validator, session) on both sides
    await direct_round(client, 50)
    via, direct = [], []
    for _ in range(rounds):
        via.append(await executor_round(executor, calls))
        direct.append(await direct_round(client, calls))
    await runtime.aclose()
    await client.aclose()
    return statistics.median(via), statistics.median(direct)


def startup(command: list[str], runs: int) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    logging.disable(logging.CRITICAL)

    via, direct = asyncio.run(compare(args.calls, args.rounds))
    ratio = via / direct
    print(f"getInvoice x {args.calls} (median of {args.rounds} rounds, in-memory transport)")
    print(f"  registry + executor : {via:.3f} s  ({via / args.calls * 1e6:.0f} us/call)")
    print(f"  direct httpx        : {direct:.3f} s  ({direct / args.calls * 1e6:.0f} us/call)")
    print(
        f"  ratio               : {ratio:.2f}  (target <= 1.5: {'met' if ratio <= 1.5 else 'MISSED'})"
    )

    cli = str(Path(sys.executable).with_name("xero-wa"))
    help_time = startup([cli, "--help"], 7)
    httpx_time = startup([sys.executable, "-c", "import httpx"], 7)
    print("start-up (median of 7 runs)")
    print(f"  xero-wa --help            : {help_time * 1000:.0f} ms")
    print(f"  python -c 'import httpx'  : {httpx_time * 1000:.0f} ms")
    print(f"  ratio                     : {help_time / httpx_time:.2f}")


if __name__ == "__main__":
    main()
