"""docker-compose.yml run by hand: its own commands, in its order, on one PostgreSQL.

No machine here runs a Docker engine, so `docker compose up` itself cannot be run in CI. This test
does what compose would do with the file as written: read each xero-wa service's command from
docker-compose.yml, run the one-shot migration to completion, start both receivers and the
worker with the variables compose passes them (the store URL pointing at this test's
PostgreSQL schema, the services at `xero-wa sandbox serve`), wait on the Dockerfile's own
HEALTHCHECK command, and then check the deployment does its job: a new invoice's webhook
delivered to either receiver is drained by the worker and alerted on WhatsApp, once. Finally
`docker compose down`: each process is sent SIGTERM and must stop within compose's default
10-second grace period (a receiver ends by the signal after uvicorn's graceful shutdown, which
Docker reports as 143; the worker exits 0), after which the health check fails.
"""

from __future__ import annotations

import re
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

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
)

ROOT = Path(__file__).resolve().parents[2]
STOP_GRACE_SECONDS = 10  # `docker compose down` waits this long before SIGKILL


def compose_services() -> dict[str, dict[str, Any]]:
    """The xero-wa services of docker-compose.yml (those built from the Dockerfile), in order."""
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text("utf-8"))
    return {name: s for name, s in compose["services"].items() if "build" in s}


def healthcheck_argv() -> list[str]:
    """The Dockerfile's HEALTHCHECK command, run with this interpreter instead of the image's."""
    dockerfile = (ROOT / "Dockerfile").read_text("utf-8")
    found = re.search(r"^HEALTHCHECK .*\\\n\s*CMD (\[.*\])$", dockerfile, re.M)
    assert found, "the Dockerfile has no exec-form HEALTHCHECK"
    argv: list[str] = yaml.safe_load(found.group(1))
    assert argv[0] == "python"
    return [sys.executable, *argv[1:]]


def healthy(port: int, env: dict[str, str]) -> bool:
    """What Docker would conclude from one run of the image's health check."""
    done = subprocess.run(
        healthcheck_argv(), env={**env, "XERO_WA_PORT": str(port)}, capture_output=True, timeout=30
    )
    return done.returncode == 0


def on_port(command: list[str], port: int) -> list[str]:
    """The receiver's command with its container port replaced by a free one of this host (what
    compose's port mapping does), everything else as written."""
    argv = list(command)
    argv[argv.index("--port") + 1] = str(port)
    return argv


@pytest.fixture
def sandbox() -> Iterator[dict[str, Any]]:
    with served_sandbox() as banner:  # Xero's real limits
        yield banner


def test_the_compose_file_run_by_hand_receives_on_both_receivers_and_the_worker_alerts(
    sandbox: dict[str, Any], postgres_url: str, tmp_path: Path
) -> None:
    services = compose_services()
    env = clean_env(
        **sandbox["env"], XERO_WA_HOME=str(tmp_path / "data"), XERO_WA_DATABASE_URL=postgres_url
    )
    for name, service in services.items():  # nothing compose passes is missing by hand
        assert set(service["environment"]) <= set(env) | _empty_by_default(service), name

    one_shot = {n: s["command"] for n, s in services.items() if s.get("restart") == "no"}
    assert list(one_shot.values()) == [["db", "upgrade"]]
    for argv in (
        *one_shot.values(),
        # `docker compose run --rm worker connect …`: connecting is a one-shot command too
        ["connect", "xero", "--client-credentials"],
        ["connect", "whatsapp"],
    ):
        done = subprocess.run([XERO_WA, *argv], env=env, capture_output=True, timeout=TIMEOUT)
        assert done.returncode == 0, done.stderr.decode()[-2000:]

    fleet = Fleet(env, tmp_path)
    ports: dict[str, int] = {}
    for name, service in services.items():
        if name in one_shot:
            continue
        command = service["command"]
        if command[0] == "serve":
            ports[name] = free_port()
            command = on_port(command, ports[name])
        fleet.argv[name] = [XERO_WA, *command]
    assert len(ports) == 2  # two receivers
    assert len(fleet.argv) == 3  # and one worker

    today = date.fromisoformat(sandbox["today"])
    invoices: list[str] = []
    stopped: dict[str, int | None] = {}
    with httpx.Client(base_url=sandbox["control"], timeout=30) as control:
        try:
            for name in fleet.argv:
                fleet.start(name)
            for name, port in ports.items():
                _wait_until_healthy(name, port, env, fleet)
            for i, (name, port) in enumerate(ports.items()):
                url = f"http://127.0.0.1:{port}/webhooks/xero"
                control.put("/xero/webhook", json={"url": url}).raise_for_status()
                invoices.append(new_invoice(control, i, today))
                assert not deliver(control), f"{name} refused a signed delivery"
            wait_drained(lambda sql: pg_rows(postgres_url, sql))
            _wait_for_alerts(postgres_url, invoices, fleet)
        finally:
            stopped = _compose_down(fleet)
        messages = control.get("/whatsapp/messages").json()["messages"]

    expected = {n: -signal.SIGTERM if n in ports else 0 for n in fleet.argv}
    assert stopped == expected, {n: fleet.log(n) for n in fleet.argv}
    assert all("service stopped" in fleet.log(n) for n in ports)
    assert not any(healthy(port, env) for port in ports.values())
    receivers = {
        str(r[0]).lower() for r in pg_rows(postgres_url, "SELECT resource_id FROM webhook_events")
    }
    assert {i.lower() for i in invoices} <= receivers  # each receiver stored its delivery
    keys = Counter(m["biz_opaque_callback_data"] for m in messages if m["biz_opaque_callback_data"])
    assert [key for key, n in keys.items() if n > 1] == []
    sent = pg_rows(postgres_url, "SELECT COUNT(*) FROM outbox_messages WHERE kind = 'alert'")
    assert sent[0][0] >= len(invoices)


# ---------------------------------------------------------------------- helpers
def _empty_by_default(service: dict[str, Any]) -> set[str]:
    """Variables compose passes as `${NAME:-}`: empty unless the operator sets them."""
    return {k for k, v in service["environment"].items() if str(v).endswith(":-}")}


def _wait_until_healthy(name: str, port: int, env: dict[str, str], fleet: Fleet) -> None:
    deadline = time.monotonic() + TIMEOUT
    while not healthy(port, env):
        process = fleet.running[name]
        assert process.poll() is None, f"{name} exited {process.returncode}: {fleet.log(name)}"
        assert time.monotonic() < deadline, f"{name} never became healthy: {fleet.log(name)}"
        time.sleep(0.2)


def _wait_for_alerts(url: str, invoices: list[str], fleet: Fleet) -> None:
    """Until the worker has recorded an alert for every invoice (it sends after the drain)."""
    deadline = time.monotonic() + TIMEOUT
    while not {i.lower() for i in invoices} <= alerted_invoices(url):
        assert time.monotonic() < deadline, f"no alert for every invoice: {fleet.log('worker')}"
        time.sleep(0.2)


def _compose_down(fleet: Fleet) -> dict[str, int | None]:
    """SIGTERM to every process, as `docker compose down` does; each one's exit code, or None
    for one still running after the grace period (compose would SIGKILL it)."""
    for process in fleet.running.values():
        if process.poll() is None:
            process.terminate()
    codes: dict[str, int | None] = {}
    deadline = time.monotonic() + STOP_GRACE_SECONDS
    for name, process in fleet.running.items():
        try:
            codes[name] = process.wait(timeout=max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            codes[name] = None
            process.kill()
            process.wait()
    return codes
