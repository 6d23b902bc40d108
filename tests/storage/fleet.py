"""A deployment's processes and the traffic the multi-process tests drive through them.

`Fleet` starts, SIGKILLs and stops named `xero-wa` processes; the helpers below create invoices
in `xero-wa sandbox serve` (which then fires Xero's webhooks), let the sandbox deliver them, and
wait until the store's queue has drained. Used by the kill test, the one-SQLite-store test and
the compose-by-hand test.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx
import psycopg

XERO_WA = str(Path(sys.executable).with_name("xero-wa"))
TIMEOUT = 120


@dataclass
class Fleet:
    """The processes of the deployment, by name, each restartable."""

    env: dict[str, str]
    logs: Path
    argv: dict[str, list[str]] = field(default_factory=dict)
    running: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    kills: int = 0

    def start(self, name: str) -> None:
        with (self.logs / f"{name}.log").open("ab") as log:
            self.running[name] = subprocess.Popen(
                self.argv[name], env=self.env, stdout=subprocess.DEVNULL, stderr=log
            )

    def kill(self, name: str) -> None:
        """SIGKILL: no shutdown hook, no release of leases, connections dropped mid-whatever."""
        process = self.running[name]
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=TIMEOUT)
        self.kills += 1

    def stop_all(self) -> None:
        for process in self.running.values():
            if process.poll() is None:
                process.terminate()
        for process in self.running.values():
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()

    def log(self, name: str) -> str:
        """What the process wrote to stderr, for a failing assertion's message."""
        return (self.logs / f"{name}.log").read_text("utf-8", errors="replace")[-3000:]


def new_invoice(control: httpx.Client, i: int, today: date) -> str:
    """A contact with its own number (so WhatsApp's pair rate does not queue the alerts) and an
    AUTHORISED invoice not yet due for it: the sandbox fires the webhooks as Xero would."""
    phone = f"98200 {10000 + i:05d}"
    contact = {
        "Name": f"Kill Test Traders {i}",
        "Phones": [{"PhoneType": "MOBILE", "PhoneNumber": phone, "PhoneCountryCode": "91"}],
    }
    made = control.post("/xero/contacts", json={"Contacts": [contact]})
    made.raise_for_status()
    contact_id = made.json()["Contacts"][0]["ContactID"]
    invoice = {
        "Type": "ACCREC",
        "Contact": {"ContactID": contact_id},
        "Status": "AUTHORISED",
        "Date": today.isoformat(),
        "DueDate": (today + timedelta(days=30)).isoformat(),
        "LineItems": [{"Description": "Cotton, 500 m", "Quantity": 1, "UnitAmount": 48500}],
    }
    created = control.post("/xero/invoices", json={"Invoices": [invoice]})
    created.raise_for_status()
    return str(created.json()["Invoices"][0]["InvoiceID"])


def deliver(control: httpx.Client) -> bool:
    """Let the sandbox send the webhooks that are due; True when any attempt failed (the
    sandbox retries it later, as Xero does)."""
    drained = control.post("/webhooks/drain")
    drained.raise_for_status()
    return any(not (200 <= int(a["status_code"] or 0) < 300) for a in drained.json()["attempts"])


def wait_healthy(port: int) -> None:
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise AssertionError(f"serve on {port} did not start")


def wait_drained(rows: Callable[[str], list[tuple[Any, ...]]]) -> None:
    """Until no event is queued or working in the store ``rows`` reads; else what is left."""
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        left = rows("SELECT COUNT(*) FROM webhook_events WHERE state IN ('queued', 'working')")
        if left[0][0] == 0:
            return
        time.sleep(0.2)
    left = rows("SELECT id, state, last_error FROM webhook_events WHERE state <> 'done'")
    raise AssertionError(f"the queue did not drain: {left}")


def pg_rows(url: str, sql: str) -> list[tuple[Any, ...]]:
    """Rows read straight from the PostgreSQL database at ``url``."""
    with psycopg.connect(url) as conn:
        return list(conn.execute(sql).fetchall())  # type: ignore[arg-type]


def alerted_invoices(url: str) -> set[str]:
    """The invoices an alert was recorded for in the outbox (sent, or held for review)."""
    rows = pg_rows(
        url,
        "SELECT i.subject_id FROM outbox_items i JOIN outbox_messages m ON m.key = i.message_key "
        "WHERE m.kind = 'alert'",
    )
    return {str(r[0]).lower() for r in rows}
