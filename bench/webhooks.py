"""Webhook intake: signed Xero deliveries against `xero-wa serve` and a bare Starlette endpoint.

Both servers run in subprocesses on loopback (uvicorn, same settings); one httpx.AsyncClient
drives signed deliveries (one event each, every event unique) at a fixed concurrency. Rounds
alternate between the two targets and the median round of each is reported, so a noisy
neighbour shifts both alike. Printed:

- throughput of each (deliveries per second) and their ratio (target >= 0.5);
- p50/p99 latency of the service (target p99 <= 50 ms);
- accepted events missing from the store afterwards (target 0): every delivery answered 200 must
  have its event in `webhook_events`.

The service runs with `--no-worker` (intake only; the worker's Xero calls are not what is
measured) and its normal INFO logging (one JSON access line per request) to a file.

Usage: python bench/webhooks.py [--deliveries N] [--concurrency C] [--rounds R]
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import hashlib
import hmac
import json
import os
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import httpx

KEY = "bench-webhook-key"
TENANT = "6f2d6b9e-1c1a-4c53-9a43-0d1f5f7e2a10"
BARE_APP = """
import sys, uvicorn
from starlette.applications import Starlette
from starlette.responses import Response
from starlette.routing import Route

async def ok(request):
    await request.body()
    return Response(status_code=200)

async def health(request):
    return Response(b"{}", media_type="application/json")

app = Starlette(routes=[Route("/webhooks/xero", ok, methods=["POST"]), Route("/healthz", health)])
uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), log_config=None, access_log=False,
            server_header=False)
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def sign(body: bytes) -> str:
    return base64.b64encode(hmac.new(KEY.encode(), body, hashlib.sha256).digest()).decode()


def delivery(resource_id: str) -> bytes:
    event = {
        "resourceUrl": f"https://api.xero.com/api.xro/2.0/Invoices/{resource_id}",
        "resourceId": resource_id,
        "eventDateUtc": "2026-07-14T09:30:00.123",
        "eventType": "UPDATE",
        "eventCategory": "INVOICE",
        "tenantId": TENANT,
        "tenantType": "ORGANISATION",
    }
    payload = {"events": [event], "firstEventSequence": 1, "lastEventSequence": 1, "entropy": "X"}
    return json.dumps(payload, separators=(",", ":")).encode()


async def wait_ready(url: str, within: float = 20.0) -> None:
    deadline = time.monotonic() + within
    async with httpx.AsyncClient() as client:
        while time.monotonic() < deadline:
            try:
                if (await client.get(f"{url}/healthz")).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.1)
    raise RuntimeError(f"{url} did not become ready")


async def drive(
    client: httpx.AsyncClient, url: str, count: int, concurrency: int
) -> tuple[float, list[float], list[str]]:
    """Send ``count`` signed deliveries; returns (seconds, latencies, accepted resource ids)."""
    prepared = [(rid, delivery(rid)) for rid in (str(uuid.uuid4()) for _ in range(count))]
    bodies = [(rid, body, sign(body)) for rid, body in prepared]  # signed before the clock starts
    latencies: list[float] = []
    accepted: list[str] = []
    cursor = iter(bodies)

    async def one_lane() -> None:
        for rid, body, signature in cursor:
            headers = {"Content-Type": "application/json", "x-xero-signature": signature}
            started = time.perf_counter()
            response = await client.post(f"{url}/webhooks/xero", content=body, headers=headers)
            latencies.append(time.perf_counter() - started)
            if response.status_code == 200:
                accepted.append(rid)

    started = time.perf_counter()
    await asyncio.gather(*(one_lane() for _ in range(concurrency)))
    return time.perf_counter() - started, latencies, accepted


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1)))]


def missing_from_store(db: Path, accepted: list[str]) -> int:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        found = {row[0] for row in conn.execute("SELECT resource_id FROM webhook_events")}
    finally:
        conn.close()
    return sum(1 for rid in accepted if rid not in found)


@dataclass
class Results:
    rates: dict[str, list[float]] = field(default_factory=lambda: {"service": [], "bare": []})
    latencies: dict[str, list[float]] = field(default_factory=lambda: {"service": [], "bare": []})
    accepted: list[str] = field(default_factory=list)
    sent: int = 0


async def measure(targets: dict[str, str], args: argparse.Namespace) -> Results:
    """Warm both up, then alternate rounds: bare, service, bare, service..."""
    await asyncio.gather(*(wait_ready(url) for url in targets.values()))
    limits = httpx.Limits(
        max_connections=args.concurrency, max_keepalive_connections=args.concurrency
    )
    results = Results()
    async with httpx.AsyncClient(limits=limits, timeout=30.0) as client:
        for name, url in targets.items():  # warm-up: connections, imports, SQLite pages
            _, _, warm = await drive(client, url, 200, args.concurrency)
            if name == "service":
                results.accepted += warm
                results.sent += 200
        for _ in range(args.rounds):
            for name in ("bare", "service"):
                seconds, lat, ok = await drive(
                    client, targets[name], args.deliveries, args.concurrency
                )
                results.rates[name].append(args.deliveries / seconds)
                results.latencies[name] += lat
                if name == "service":
                    results.accepted += ok
                    results.sent += args.deliveries
    return results


def main(args: argparse.Namespace) -> None:
    home = Path(tempfile.mkdtemp(prefix="xero-wa-bench-"))
    service_port, bare_port = free_port(), free_port()
    env = {
        **os.environ,
        "XERO_WA_HOME": str(home),
        "XERO_WEBHOOK_KEY": KEY,
        "XERO_WA_POLL_INTERVAL_SECONDS": "0",
        "XERO_WA_LOG_LEVEL": "INFO",
    }
    xero_wa = str(Path(sys.executable).with_name("xero-wa"))
    with (home / "service.log").open("w") as service_log:
        service = subprocess.Popen(
            [xero_wa, "serve", "--port", str(service_port), "--no-worker"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=service_log,
        )
        bare = subprocess.Popen(
            [sys.executable, "-c", BARE_APP, str(bare_port)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        targets = {
            "service": f"http://127.0.0.1:{service_port}",
            "bare": f"http://127.0.0.1:{bare_port}",
        }
        try:
            results = asyncio.run(measure(targets, args))
            service.terminate()  # graceful stop: what was answered 200 must be in the store
            service.wait(timeout=30)
            missing = missing_from_store(home / "state.db", results.accepted)
        finally:
            for proc in (service, bare):
                if proc.poll() is None:
                    proc.terminate()
                    proc.wait(timeout=30)
    report(args, results, missing)


def report(args: argparse.Namespace, results: Results, missing: int) -> None:
    service_rate = statistics.median(results.rates["service"])
    bare_rate = statistics.median(results.rates["bare"])
    svc, bare = results.latencies["service"], results.latencies["bare"]
    print(
        f"deliveries per round: {args.deliveries}, concurrency: {args.concurrency}, "
        f"rounds: {args.rounds}, cpus: {os.cpu_count()}"
    )
    print(f"bare Starlette 200:     {bare_rate:8.0f} deliveries/s (median round)")
    print(f"xero-wa serve:          {service_rate:8.0f} deliveries/s (median round)")
    print(f"ratio service/bare:     {service_rate / bare_rate:8.2f}   (target >= 0.5)")
    print(f"service latency p50:    {percentile(svc, 50) * 1000:8.1f} ms")
    print(f"service latency p99:    {percentile(svc, 99) * 1000:8.1f} ms   (target <= 50 ms)")
    print(
        f"bare latency p50/p99:   {percentile(bare, 50) * 1000:8.1f} / {percentile(bare, 99) * 1000:.1f} ms"
    )
    print(f"service answered 200:   {len(results.accepted)} of {results.sent}")
    print(f"accepted but missing from the store: {missing}   (target 0)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--deliveries", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--rounds", type=int, default=3)
    main(parser.parse_args())
