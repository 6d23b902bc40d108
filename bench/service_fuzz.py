"""Fuzzing a real `xero-wa serve`: 5xx count, /healthz latency throughout, peak memory.

Three processes: the sandbox (`xero-wa sandbox serve`, limits raised so fuzzing is not simply
rate-limited), the service (`xero-wa serve` with the shipped defaults, worker on, its stored
connections pointing at the sandbox) and this script. This script runs, in turn:

1. idle: /healthz probed every 20 ms, nothing else (the baseline);
2. junk: the hand-made junk of tests/service/junk.py on every route the service documents plus
   the web, OAuth and MCP routes (signed and unsigned on the webhooks), plus heavy but valid
   bodies (1 MB of small JSON objects, a 64 KB policy, an alias bomb), from `--concurrency`
   lanes, while /healthz is probed every 20 ms;
3. schemathesis (`--examples N`, 0 skips it): `st run` over the service's /openapi.json
   (seeded), while /healthz is probed every 20 ms.

Printed: requests and statuses per phase (from the service's own access log, so no request is
missed), the number of 5xx (target 0), /healthz p50/p99/max per phase and the probes over 100 ms
(target 0), and the service's peak resident memory read from /proc (VmHWM) after each phase.

Usage: python bench/service_fuzz.py [--rounds R] [--concurrency C] [--examples N] [--seed S]
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import hashlib
import hmac
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from tests.service.junk import JUNK_BODIES

API_KEY = "bench-api-key-0123456789"
PROBE_EVERY = 0.02
GET_BODIES = ("empty", "not utf-8", "2 MB")
SLOW = 0.1
EXTRA_ROUTES = [
    ("GET", "/healthz"),
    ("GET", "/readyz"),
    ("GET", "/oauth/xero/start"),
    ("GET", "/oauth/xero/callback"),
    ("POST", "/mcp"),
    ("GET", "/"),
    ("GET", "/login"),
    ("POST", "/login"),
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def xero_signature(key: str, body: bytes) -> str:
    return base64.b64encode(hmac.new(key.encode(), body, hashlib.sha256).digest()).decode()


def meta_signature(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


@dataclass
class Phase:
    name: str
    probes: list[float] = field(default_factory=list)
    statuses: Counter[int] = field(default_factory=Counter)
    peak_mb: float = 0.0
    seconds: float = 0.0
    load: float = 0.0


async def probe(url: str, phase: Phase, stop: asyncio.Event) -> None:
    """GET /healthz every PROBE_EVERY on its own connection; a failure counts as 10 s."""
    async with httpx.AsyncClient(timeout=10.0) as client:
        while not stop.is_set():
            started = time.perf_counter()
            try:
                response = await client.get(f"{url}/healthz")
                ok = response.status_code == 200
            except httpx.HTTPError:
                ok = False
            phase.probes.append(time.perf_counter() - started if ok else 10.0)
            await asyncio.sleep(PROBE_EVERY)


def heavy_bodies() -> list[tuple[str, str, bytes]]:
    """Valid but expensive requests: what a large legitimate caller or a careful attacker sends."""
    objects = json.dumps(
        {"inputs": {"lineItems": [{"a": i, "b": "x", "c": [1]} for i in range(30_000)]}}
    )
    policy = "stages:\n" + "".join(
        f"  - {{key: s{i}, days: {i}, template: payment_reminder}}\n" for i in range(1, 1500)
    )
    bomb = "a: &a [x,x,x,x,x,x,x,x,x]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [{','.join([f'*{chr(97 + i)}'] * 9)}]\n" for i in range(8)
    )
    reminders = "/v1/actions/sendPaymentReminders/invoke"
    return [
        ("POST", "/v1/actions/createInvoice/invoke", objects.encode()),
        (
            "POST",
            reminders,
            json.dumps({"inputs": {"policy": policy[:65_000], "dryRun": True}}).encode(),
        ),
        ("POST", reminders, json.dumps({"inputs": {"policy": bomb, "dryRun": True}}).encode()),
    ]


async def junk_load(url: str, sandbox: dict[str, str], rounds: int, concurrency: int) -> None:
    async with httpx.AsyncClient(base_url=url, timeout=60.0) as client:
        document = (await client.get("/openapi.json")).json()
    routes = [
        (method.upper(), path)
        for path, operations in document["paths"].items()
        for method in operations
    ]
    routes += EXTRA_ROUTES
    work: list[tuple[str, str, bytes, dict[str, str]]] = []
    for _ in range(rounds):
        for method, path in routes:
            for name, body, content_type in JUNK_BODIES:
                if method == "GET" and name not in GET_BODIES:
                    continue  # a GET's body is never read: three kinds are enough
                headers = {"Content-Type": content_type, "Authorization": f"Bearer {API_KEY}"}
                if path == "/webhooks/xero":
                    headers["x-xero-signature"] = xero_signature(sandbox["XERO_WEBHOOK_KEY"], body)
                elif path == "/webhooks/whatsapp":
                    secret = sandbox["WHATSAPP_APP_SECRET"]
                    headers["X-Hub-Signature-256"] = meta_signature(secret, body)
                work.append((method, path, body, headers))
        for method, path, body in heavy_bodies():
            headers = {"Content-Type": "application/json", "Authorization": f"Bearer {API_KEY}"}
            work.append((method, path, body, headers))
    cursor = iter(work)

    async def lane() -> None:
        async with httpx.AsyncClient(base_url=url, timeout=120.0) as client:
            for method, path, body, headers in cursor:
                with contextlib.suppress(httpx.HTTPError):  # counted from the service's log
                    await client.request(method, path, content=body, headers=headers)

    await asyncio.gather(*(lane() for _ in range(concurrency)))


async def schemathesis_load(url: str, examples: int, seed: int, home: Path) -> None:
    st = str(Path(sys.executable).with_name("st"))
    process = await asyncio.create_subprocess_exec(
        st,
        "run",
        f"{url}/openapi.json",
        "--header",
        f"Authorization: Bearer {API_KEY}",
        "--checks",
        "not_a_server_error",
        "--max-examples",
        str(examples),
        "--seed",
        str(seed),
        "--workers",
        "2",
        "--request-timeout",
        "120",
        "--generation-database",
        "none",
        "--report-dir",
        str(home / "schemathesis"),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    output, _ = await process.communicate()
    (home / "schemathesis.txt").write_bytes(output)


async def run_phase(phase: Phase, url: str, load: object, pid: int) -> None:
    stop = asyncio.Event()
    prober = asyncio.create_task(probe(url, phase, stop))
    started = time.perf_counter()
    if asyncio.iscoroutine(load):
        await load
    else:
        await asyncio.sleep(float(load))  # type: ignore[arg-type]
    phase.seconds = time.perf_counter() - started
    stop.set()
    await prober
    phase.peak_mb = peak_rss_mb(pid)
    phase.load = os.getloadavg()[0]  # other processes on the machine stretch every latency


def statuses_since(log: Path, offset: int) -> tuple[Counter[int], int]:
    counts: Counter[int] = Counter()
    with log.open("rb") as f:
        f.seek(offset)
        data = f.read()
    for line in data.splitlines():
        try:
            entry = json.loads(line)
        except ValueError:
            continue
        if entry.get("logger") == "xero_wa.service.access" and entry.get("path") != "/healthz":
            counts[int(entry["status"])] += 1
    return counts, offset + len(data)


def start_sandbox(home: Path) -> tuple[subprocess.Popen[bytes], dict[str, str]]:
    xero_wa = str(Path(sys.executable).with_name("xero-wa"))
    sandbox = subprocess.Popen(
        [
            xero_wa,
            "sandbox",
            "serve",
            "--port",
            "0",
            "--per-minute",
            "1000000",
            "--per-day",
            "100000000",
            "--concurrent",
            "1000",
        ],
        stdout=subprocess.PIPE,
        stderr=(home / "sandbox.log").open("w"),
        env={**os.environ, "XERO_WA_HOME": str(home / "sandbox-home")},
    )
    assert sandbox.stdout is not None
    started = json.loads(sandbox.stdout.readline())
    return sandbox, started["env"]


def connect(env: dict[str, str], sandbox: dict[str, str]) -> None:
    xero_wa = str(Path(sys.executable).with_name("xero-wa"))
    subprocess.run(
        [xero_wa, "connect", "xero", "--client-credentials"],
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    subprocess.run(
        [
            xero_wa,
            "connect",
            "whatsapp",
            "--phone-number-id",
            sandbox["WHATSAPP_PHONE_NUMBER_ID"],
            "--business-account-id",
            sandbox["WHATSAPP_BUSINESS_ACCOUNT_ID"],
        ],
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )


async def wait_ready(url: str) -> None:
    async with httpx.AsyncClient() as client:
        for _ in range(200):
            try:
                if (await client.get(f"{url}/healthz")).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.1)
    raise RuntimeError("the service did not start")


def main(args: argparse.Namespace) -> None:
    home = Path(tempfile.mkdtemp(prefix="xero-wa-fuzz-"))
    sandbox, sandbox_env = start_sandbox(home)
    port = free_port()
    env = {
        **os.environ,
        **sandbox_env,
        "XERO_WA_HOME": str(home / "service-home"),
        "XERO_WA_API_KEYS": API_KEY,
        "XERO_WA_LOG_LEVEL": "INFO",
    }
    if args.asyncio_debug:  # logs every callback that held the event loop over 100 ms
        env["PYTHONASYNCIODEBUG"] = "1"
    connect(env, sandbox_env)
    log = home / "service.log"
    xero_wa = str(Path(sys.executable).with_name("xero-wa"))
    with log.open("w") as service_log:
        service = subprocess.Popen(
            [xero_wa, "serve", "--port", str(port)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=service_log,
        )
    url = f"http://127.0.0.1:{port}"
    phases = [Phase("idle"), Phase("junk"), Phase("schemathesis")]
    try:
        asyncio.run(wait_ready(url))
        offset = log.stat().st_size
        loads: list[object] = [
            3.0,
            junk_load(url, sandbox_env, args.rounds, args.concurrency),
            schemathesis_load(url, args.examples, args.seed, home) if args.examples else 0.0,
        ]
        for phase, load in zip(phases, loads, strict=True):
            asyncio.run(run_phase(phase, url, load, service.pid))
            phase.statuses, offset = statuses_since(log, offset)
    finally:
        for process in (service, sandbox):
            process.terminate()
            process.wait(timeout=30)
    report(args, phases, home)


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1)))] if ordered else 0.0


def report(args: argparse.Namespace, phases: list[Phase], home: Path) -> None:
    print(
        f"rounds: {args.rounds}, concurrency: {args.concurrency}, schemathesis examples: "
        f"{args.examples} (seed {args.seed}), cpus: {os.cpu_count()}, logs: {home}"
    )
    for phase in phases:
        requests = sum(phase.statuses.values())
        errors = sum(n for status, n in phase.statuses.items() if status >= 500)
        slow = sum(1 for p in phase.probes if p > SLOW)
        print(
            f"{phase.name:13s} {phase.seconds:7.1f} s  requests {requests:6d}  5xx {errors:3d}  "
            f"healthz p50 {percentile(phase.probes, 50) * 1000:6.1f} ms  "
            f"p99 {percentile(phase.probes, 99) * 1000:6.1f} ms  "
            f"max {max(phase.probes, default=0) * 1000:7.1f} ms  "
            f"over 100 ms {slow:3d} of {len(phase.probes):4d}  peak RSS {phase.peak_mb:6.1f} MB  "
            f"load avg {phase.load:.1f}"
        )
        print(f"{'':13s} statuses: {dict(sorted(phase.statuses.items()))}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--examples", type=int, default=20)
    parser.add_argument("--seed", type=int, default=20261130)
    parser.add_argument("--asyncio-debug", action="store_true", help="name slow callbacks")
    main(parser.parse_args())
