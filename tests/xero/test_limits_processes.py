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

import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.limits_deployment import TIMEOUT, deployment, run_processes, served_sandbox
from tests.storage import postgres_backends

PROCESSES = 3
CALLS = 30

store_backend = postgres_backends.store_backend


@pytest.fixture
def served() -> Iterator[dict[str, Any]]:
    with served_sandbox() as banner:  # Xero's real limits
        yield banner


@pytest.fixture
def control(served: dict[str, Any]) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=served["control"], timeout=30) as client:
        yield client


def test_three_processes_together_stay_under_xeros_per_tenant_limits(
    served: dict[str, Any],
    control: httpx.Client,
    store_backend: str,
    tmp_path: Path,
    request: pytest.FixtureRequest,
) -> None:
    url = request.getfixturevalue("postgres_url") if store_backend == "postgres" else None
    env = deployment(served, tmp_path / "home", url, "xero --client-credentials")
    slow = {"slow_rate": 1.0, "slow_seconds": 0.2, "path_prefixes": ["/api.xro/"]}
    control.put("/faults", json=slow).raise_for_status()
    advanced: list[bool] = []

    def advance_when_the_minute_is_used(processes: list[subprocess.Popen[bytes]]) -> None:
        deadline = time.monotonic() + TIMEOUT
        while time.monotonic() < deadline and any(p.poll() is None for p in processes):
            tenants = control.get("/stats").json()["limits"]["tenants"]
            # the minute is used and its last calls have answered: every process now waits for
            # the next window (a poll of the other processes' state, not a guess at a duration)
            if any(t["minute_used"] >= 60 and t["in_flight"] == 0 for t in tenants.values()):
                control.post("/clock/advance", json={"seconds": 61}).raise_for_status()
                advanced.append(True)
                return
            time.sleep(0.1)

    each = [["xero", str(CALLS), "10"]] * PROCESSES
    results = run_processes(each, env, advance_when_the_minute_is_used)
    assert [r["calls"] for r in results] == [CALLS] * PROCESSES
    assert all(r["shared"] for r in results)
    assert advanced  # the 61st call waited for the next minute ...
    assert max(r["waited"] for r in results) > 10  # ... the minute's rest (less what 60 took)
    stats = control.get("/stats").json()
    assert stats["limits"]["refused"] == {}  # no 429 of any kind
    (tenant,) = stats["limits"]["tenants"].values()
    assert tenant["peak_in_flight"] <= 5
    assert stats["calls"]["GET /api.xro/2.0/Currencies"] == PROCESSES * CALLS
