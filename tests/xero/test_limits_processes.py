"""Xero's limits across real processes: three processes on one store, against `xero-wa sandbox
serve` in its own process with Xero's real limits (60 calls a minute, 5 in flight per tenant).

Each process (``tests/limits_process.py``: the product's executor, client and limiter) makes 30
calls, 10 at a time, every call held 0.2 s by the sandbox: 90 calls, 30 in flight asked for at
once. Together they must keep to the tenant's limits, so Xero (the sandbox) refuses nothing: the
first 60 calls go, the other 30 wait for the minute window; the test then moves the sandbox's
clock (which the processes follow) past the minute instead of waiting for it.
Runs on SQLite (one file, one host) and on PostgreSQL.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.storage import postgres_backends

XERO_WA = str(Path(sys.executable).with_name("xero-wa"))
ROOT = Path(__file__).resolve().parents[2]
TIMEOUT = 120
PROCESSES = 3
CALLS = 30

store_backend = postgres_backends.store_backend


def clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("XERO_", "WHATSAPP_"))}
    env.update(extra)
    return env


@pytest.fixture
def served() -> Iterator[dict[str, Any]]:
    """`xero-wa sandbox serve` with Xero's real limits, in its own process: its banner."""
    process = subprocess.Popen(
        [XERO_WA, "sandbox", "serve", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=clean_env(),
    )
    try:
        assert process.stdout is not None
        yield json.loads(process.stdout.readline())
    finally:
        process.terminate()
        process.wait(timeout=TIMEOUT)
        if process.stdout is not None:
            process.stdout.close()


@pytest.fixture
def control(served: dict[str, Any]) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=served["control"], timeout=30) as client:
        yield client


@pytest.fixture
def env(served: dict[str, Any], store_backend: str, tmp_path: Path, request: Any) -> dict[str, str]:
    """A deployment's environment: the sandbox, one store, a stored Xero connection."""
    extra = {**served["env"], "XERO_WA_HOME": str(tmp_path / "home"), "PYTHONPATH": str(ROOT)}
    if store_backend == "postgres":
        extra["XERO_WA_DATABASE_URL"] = request.getfixturevalue("postgres_url")
    env = clean_env(**extra)
    for argv in (["db", "upgrade"], ["connect", "xero", "--client-credentials"]):
        done = subprocess.run([XERO_WA, *argv], env=env, capture_output=True, timeout=TIMEOUT)
        assert done.returncode == 0, done.stderr.decode()[-2000:]
    return env


def test_three_processes_together_stay_under_xeros_per_tenant_limits(
    control: httpx.Client, env: dict[str, str]
) -> None:
    slow = {"slow_rate": 1.0, "slow_seconds": 0.2, "path_prefixes": ["/api.xro/"]}
    control.put("/faults", json=slow).raise_for_status()
    argv = [sys.executable, "-m", "tests.limits_process", "xero", str(CALLS), "10"]
    processes = [
        subprocess.Popen(argv, env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        for _ in range(PROCESSES)
    ]
    try:
        advanced = _advance_when_the_minute_is_used(control, processes)
        outputs = [p.communicate(timeout=TIMEOUT) for p in processes]
    finally:
        for p in processes:
            if p.poll() is None:
                p.kill()
    for p, (_out, err) in zip(processes, outputs, strict=True):
        assert p.returncode == 0, err.decode()[-3000:]
    results = [json.loads(out) for out, _ in outputs]
    assert [r["calls"] for r in results] == [CALLS] * PROCESSES
    assert all(r["shared"] for r in results)
    assert advanced  # the 61st call waited for the next minute
    assert max(r["waited"] for r in results) > 50  # ... as long as the window asked for
    stats = control.get("/stats").json()
    assert stats["limits"]["refused"] == {}  # no 429 of any kind
    (tenant,) = stats["limits"]["tenants"].values()
    assert tenant["peak_in_flight"] <= 5
    assert stats["calls"]["GET /api.xro/2.0/Currencies"] == PROCESSES * CALLS


def _advance_when_the_minute_is_used(
    control: httpx.Client, processes: list[subprocess.Popen[bytes]]
) -> bool:
    """Once the tenant's minute holds 60 calls, move the sandbox's clock past the minute."""
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline and any(p.poll() is None for p in processes):
        tenants = control.get("/stats").json()["limits"]["tenants"]
        if any(t["minute_used"] >= 60 for t in tenants.values()):
            time.sleep(0.5)  # the processes are now waiting for the window (or refused)
            control.post("/clock/advance", json={"seconds": 61}).raise_for_status()
            return True
        time.sleep(0.1)
    return False
