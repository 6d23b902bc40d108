"""Several hosts' worth of processes on one PostgreSQL, SIGKILLed at seeded random moments.

Two `xero-wa serve --no-worker` (receivers), two `xero-wa worker` and `xero-wa remind` runs share
one PostgreSQL schema, against `xero-wa sandbox serve` (Xero and WhatsApp) in its own process.
The sandbox sends signed Xero webhooks for new invoices to one receiver or the other; processes
are killed with SIGKILL (no clean-up of any kind) and started again; the sandbox's clock jumps
past the access token's expiry once, and a reminder run is killed mid-way and run again. Then:

- no event is lost: every invoice's webhook event is `done` (none parked, none left working);
- nothing is sent twice: no two WhatsApp messages carry the same outbox key, and every new
  invoice got its alert (or, if a worker died while that send was in flight, the alert is held
  for review: it is never sent blindly a second time);
- the token was requested once for the expiry, however many processes needed it;
- together the processes kept Xero's real per-tenant limits (60 calls a minute, 5 in flight):
  the sandbox refused no call and never had more than 5 of one tenant's calls in flight.
"""

from __future__ import annotations

import random
import subprocess
import time
from collections import Counter
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.connections.oauth_cli_support import free_port
from tests.limits_deployment import clean_env, served_sandbox
from tests.storage.fleet import (
    TIMEOUT,
    XERO_WA,
    Fleet,
    alerted_invoices,
    deliver,
    new_invoice,
    pg_rows,
    wait_drained,
    wait_healthy,
)

SEED = 20261130
INVOICES = 8


@pytest.fixture
def sandbox() -> Iterator[dict[str, Any]]:
    with served_sandbox() as banner:  # Xero's real limits: 60 a minute, 5 at once
        yield banner


@pytest.fixture
def control(sandbox: dict[str, Any]) -> Iterator[httpx.Client]:
    """The sandbox's control API (its clock, statistics, the WhatsApp messages it accepted)."""
    with httpx.Client(base_url=sandbox["control"], timeout=30) as client:
        yield client


def test_services_workers_and_a_reminder_run_killed_at_random_lose_nothing_send_nothing_twice(
    sandbox: dict[str, Any], control: httpx.Client, postgres_url: str, tmp_path: Path
) -> None:
    rng = random.Random(SEED)
    env = clean_env(
        **sandbox["env"],
        XERO_WA_DATABASE_URL=postgres_url,
        XERO_WA_HOME=str(tmp_path / "home"),
        XERO_WA_POLL_INTERVAL_SECONDS="0",
        XERO_WA_WORKER_LEASE_SECONDS="3",
    )
    for argv in (
        ["db", "upgrade"],
        ["connect", "xero", "--client-credentials"],
        ["connect", "whatsapp"],
    ):
        done = subprocess.run([XERO_WA, *argv], env=env, capture_output=True, timeout=TIMEOUT)
        assert done.returncode == 0, done.stderr.decode()[-2000:]
    fleet = Fleet(env, tmp_path)
    ports = {"serve-1": free_port(), "serve-2": free_port()}
    for name, port in ports.items():
        fleet.argv[name] = [XERO_WA, "serve", "--no-worker", "--no-scheduler", "--port", str(port)]
    for name in ("worker-1", "worker-2"):
        fleet.argv[name] = [XERO_WA, "worker", "--no-scheduler"]
    fleet.argv["remind"] = [XERO_WA, "remind", "--json"]
    grants_before = _grants(control)
    try:
        for name in ("serve-1", "serve-2", "worker-1", "worker-2"):
            fleet.start(name)
        for port in ports.values():
            wait_healthy(port)
        invoices: list[str] = []
        for i in range(INVOICES):
            receiver = rng.choice(list(ports))
            control.put(
                "/xero/webhook", json={"url": f"http://127.0.0.1:{ports[receiver]}/webhooks/xero"}
            )
            invoices.append(new_invoice(control, i, date.fromisoformat(sandbox["today"])))
            deliver(control)
            if i == INVOICES // 2:
                control.post("/clock/advance", json={"seconds": 1900}).raise_for_status()
                # the token's expiry is met before the next kill
                wait_drained(lambda sql: pg_rows(postgres_url, sql))
                fleet.start("remind")
                time.sleep(rng.uniform(0.5, 2.0))
                fleet.kill("remind")
            victim = rng.choice(["serve-1", "serve-2", "worker-1", "worker-2", None])
            if victim is not None:
                time.sleep(rng.uniform(0.0, 0.3))
                fleet.kill(victim)
                fleet.start(victim)
                if victim.startswith("serve"):
                    wait_healthy(ports[victim])
        for _ in range(20):  # Xero redelivers what a killed receiver did not answer
            if not deliver(control):
                break
        wait_drained(lambda sql: pg_rows(postgres_url, sql))
        final = subprocess.run(fleet.argv["remind"], env=env, capture_output=True, timeout=TIMEOUT)
        assert final.returncode in (0, 7), final.stderr.decode()[-2000:]
    finally:
        fleet.stop_all()

    states = pg_rows(postgres_url, "SELECT resource_id, state FROM webhook_events")
    assert {state for _, state in states} == {"done"}, states
    assert {i.lower() for i in invoices} <= {str(resource).lower() for resource, _ in states}
    messages = control.get("/whatsapp/messages").json()["messages"]
    keys = Counter(m["biz_opaque_callback_data"] for m in messages if m["biz_opaque_callback_data"])
    assert [key for key, n in keys.items() if n > 1] == []  # 0 duplicate alerts or reminders
    review = {
        r[0]
        for r in pg_rows(
            postgres_url, "SELECT key FROM outbox_messages WHERE state IN ('sending', 'unknown')"
        )
    }
    alerted = alerted_invoices(postgres_url)
    for invoice in invoices:
        assert invoice.lower() in alerted, f"invoice {invoice} got no alert and none is held"
    sent_or_held = set(keys) | review
    alert_keys = {
        r[0] for r in pg_rows(postgres_url, "SELECT key FROM outbox_messages WHERE kind = 'alert'")
    }
    assert alert_keys <= sent_or_held
    grants = _grants(control)
    new_tokens = sum(grants.values()) - sum(grants_before.values())
    assert new_tokens == 1, (grants_before, grants)  # one token request for the one expiry
    assert fleet.kills >= 3
    limits = control.get("/stats").json()["limits"]
    assert limits["refused"] == {}  # the processes kept Xero's limits together: no 429 at all
    assert all(t["peak_in_flight"] <= 5 for t in limits["tenants"].values()), limits


# ---------------------------------------------------------------------- helpers
def _grants(control: httpx.Client) -> dict[str, int]:
    counted: dict[str, int] = control.get("/stats").json()["token_grants"]
    return counted
