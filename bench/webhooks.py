"""Webhook intake: signed Xero deliveries against `xero-wa serve` and a bare Starlette endpoint
that checks the HMAC and answers 200, driven by a raw-socket generator in its own process.

Three processes per measurement: the server under test (the service with `--no-worker`, shipped
defaults, INFO access logging to a file; or the bare app), and `bench/loadgen.py`, a one-thread
selectors client that builds and signs every request before its clock starts. At each
concurrency (1, 4, 16) rounds alternate bare, service, bare, service... so a noisy neighbour
shifts both alike; the median round of each is reported. Both servers run on what uvicorn picks
from the same venv (httptools parses HTTP, a dependency) and on uvloop (``uvicorn.run``'s "auto"
loop for the bare app, ``component.event_loop`` for the service). Printed per concurrency:

- deliveries per second of each and their ratio (issue 13 target 1: >= 0.6);
- the service's p50/p99 latency (target at concurrency 16: p99 <= 20 ms);
- the CPU time a delivery of each server (user + system, all its threads, read from /proc outside
  it): where the ratio comes from, steadier than the rates on a shared machine, and what a change
  to the delivery path has to bring down (the ratio is about bare's CPU over the service's once
  the service is CPU-bound);
- accepted events missing from the store after a graceful stop (target 0): every delivery
  answered 200 must have its event stored;
- the disk's floor: the median durable SQLite commit (WAL, ``synchronous=FULL``, one row) on
  the data home's disk, before and after the rounds. At concurrency 1 no two deliveries can
  share a commit, so each 200 waits for one: that alone caps the ratio there near
  ``1 / (1 + commit x bare rate)``, printed beside it (near: the disk's speed drifts between
  the floor's measurement and the rounds on a shared machine).

Usage: python bench/webhooks.py [--deliveries N] [--rounds R] [--concurrency 1 4 16]
"""

from __future__ import annotations

import argparse
import json
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from procs import BIN, ROOT, child_env, cpu_seconds, load, verdict

KEY = "bench-webhook-key"
LOADGEN = Path(__file__).resolve().parent / "loadgen.py"
BARE_APP = """
import base64, hashlib, hmac, sys, uvicorn
from starlette.applications import Starlette
from starlette.responses import Response
from starlette.routing import Route

KEY = sys.argv[2].encode()

async def ok(request):
    body = await request.body()
    mac = base64.b64encode(hmac.new(KEY, body, hashlib.sha256).digest()).decode()
    if not hmac.compare_digest(mac, request.headers.get("x-xero-signature", "")):
        return Response(status_code=401)
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


def wait_ready(port: int, within: float = 30.0) -> None:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
                s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                if s.recv(64).startswith(b"HTTP/1.1 200"):
                    return
        except OSError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"port {port} did not become ready")


def drive(port: int, count: int, concurrency: int) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, str(LOADGEN), "127.0.0.1", str(port), "/webhooks/xero", KEY,
         str(count), str(concurrency)],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1)))]


@dataclass
class Level:
    concurrency: int
    rates: dict[str, list[float]] = field(default_factory=lambda: {"service": [], "bare": []})
    latencies: dict[str, list[float]] = field(default_factory=lambda: {"service": [], "bare": []})
    #: CPU seconds a delivery, one entry a round
    cpu: dict[str, list[float]] = field(default_factory=lambda: {"service": [], "bare": []})
    statuses: dict[str, int] = field(default_factory=dict)


def missing_from_store(home: Path, accepted: list[str]) -> int:
    stores = sorted(home.rglob("*.db"))
    if not stores:
        raise SystemExit(f"no store found under {home}")
    found: set[str] = set()
    for db in stores:
        conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
        try:
            tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
            if "webhook_events" in tables:
                found |= {r[0] for r in conn.execute("SELECT resource_id FROM webhook_events")}
        finally:
            conn.close()
    return sum(1 for rid in accepted if rid not in found)


def commit_floor(home: Path, count: int = 200) -> float:
    """Median seconds of one durable commit of one small row on the disk of ``home``."""
    path = home / "floor.sqlite"  # not *.db: missing_from_store reads those
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=FULL")
        conn.execute("CREATE TABLE IF NOT EXISTS t (v TEXT)")
        times = []
        for _ in range(count):
            started = time.perf_counter()
            conn.execute("BEGIN IMMEDIATE")
            conn.execute("INSERT INTO t VALUES ('x')")
            conn.execute("COMMIT")
            times.append(time.perf_counter() - started)
    finally:
        conn.close()
    for leftover in home.glob("floor.sqlite*"):
        leftover.unlink()
    return statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--deliveries", type=int, default=3000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--concurrency", type=int, nargs="*", default=[1, 4, 16])
    args = parser.parse_args()
    home = Path(tempfile.mkdtemp(prefix="xero-wa-bench-"))
    ports = {"service": free_port(), "bare": free_port()}
    env = child_env(
        XERO_WA_HOME=str(home),
        XERO_WEBHOOK_KEY=KEY,
        XERO_WA_POLL_INTERVAL_SECONDS="0",
        XERO_WA_LOG_LEVEL="INFO",
    )
    print(f"Webhook bench — servers and raw-socket generator in their own processes; {load()}")
    floors = [commit_floor(home)]
    accepted: list[str] = []
    levels = [Level(c) for c in args.concurrency]
    with (home / "service.log").open("w") as log:
        service = subprocess.Popen(
            [str(BIN / "xero-wa"), "serve", "--port", str(ports["service"]), "--no-worker"],
            env=env, stdout=subprocess.DEVNULL, stderr=log, cwd=ROOT,
        )  # fmt: skip
        bare = subprocess.Popen(
            [sys.executable, "-c", BARE_APP, str(ports["bare"]), KEY],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        try:
            for port in ports.values():
                wait_ready(port)
            for name, port in ports.items():  # warm-up: connections, imports, SQLite pages
                warm = drive(port, 300, 4)
                if name == "service":
                    accepted += warm["accepted"]
            for level in levels:
                for _ in range(args.rounds):
                    for name in ("bare", "service"):
                        pid = (service if name == "service" else bare).pid
                        before = cpu_seconds(pid)
                        result = drive(ports[name], args.deliveries, level.concurrency)
                        level.cpu[name].append((cpu_seconds(pid) - before) / args.deliveries)
                        level.rates[name].append(args.deliveries / result["seconds"])
                        level.latencies[name] += result["latencies"]
                        for status, n in result["statuses"].items():
                            key = f"{name} {status}"
                            level.statuses[key] = level.statuses.get(key, 0) + n
                        if name == "service":
                            accepted += result["accepted"]
            floors.append(commit_floor(home))
            service.terminate()  # graceful stop: what was answered 200 must be in the store
            service.wait(timeout=60)
            missing = missing_from_store(home, accepted)
        finally:
            for proc in (service, bare):
                if proc.poll() is None:
                    proc.terminate()
                    proc.wait(timeout=30)
    print(
        f"  {args.deliveries} deliveries a round, {args.rounds} rounds, medians; {load()} at the end"
    )
    floor = statistics.mean(floors)
    print(
        f"  the disk's durable commit (median, before/after): "
        f"{' / '.join(f'{f * 1000:.2f}' for f in floors)} ms"
    )
    for level in levels:
        svc = statistics.median(level.rates["service"])
        base = statistics.median(level.rates["bare"])
        lat = level.latencies["service"]
        p99 = percentile(lat, 99) * 1000
        ratio = svc / base
        line = (
            f"  c={level.concurrency:>2}: bare {base:6.0f}/s, service {svc:6.0f}/s, ratio "
            f"{ratio:.2f} (target >= 0.6: {verdict(ratio >= 0.6)}); service p50 "
            f"{percentile(lat, 50) * 1000:.1f} ms p99 {p99:.1f} ms"
        )
        if level.concurrency == 1:
            line += f" (a commit a delivery alone caps it near {1 / (1 + floor * base):.2f})"
        if level.concurrency == 16:
            line += f" (target <= 20 ms: {verdict(p99 <= 20)})"
        cpu = {name: statistics.median(values) * 1000 for name, values in level.cpu.items()}
        line += f"; CPU a delivery: bare {cpu['bare']:.3f} ms, service {cpu['service']:.3f} ms"
        print(line + f"; statuses {level.statuses}")
    print(
        f"  accepted {len(accepted)}, missing from the store {missing} (target 0: {verdict(missing == 0)})"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
