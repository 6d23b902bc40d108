"""The real commands share one SQLite store without a lock error (issue 10 item 10, issue 12).

``test_store_concurrency`` drives the repositories from four processes; here the processes are
the product's own commands, as a one-host deployment runs them: `xero-wa serve` (the webhook
receiver), two `xero-wa worker`s (the alerts) and two `xero-wa remind` runs at once, all on one
data home's ``state.db``, against `xero-wa sandbox serve` in its own process. While the sandbox
delivers signed webhooks for new invoices and both reminder runs send, no process may print
"database is locked" (or any lock error), every event must end ``done``, every new invoice must
get its alert, and no WhatsApp message may go out twice.
"""

# SQLite only: "database is locked" is SQLite's; the same fleet on PostgreSQL, killed at random,
# is test_postgres_kill.py.

from __future__ import annotations

import sqlite3
import subprocess
from collections import Counter
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest

from component.reminders.policy import load_policy
from component.reminders.sandbox import demo_policy, policy_text
from tests.connections.oauth_cli_support import free_port
from tests.limits_deployment import clean_env, served_sandbox
from tests.storage.fleet import (
    TIMEOUT,
    XERO_WA,
    Fleet,
    deliver,
    new_invoice,
    wait_drained,
    wait_healthy,
)

INVOICES = 6
LOCK_WORDS = ("database is locked", "database table is locked", "stayed locked")


@pytest.fixture
def sandbox() -> Iterator[dict[str, Any]]:
    """`xero-wa sandbox serve` with room for two reminder runs and two workers at once."""
    with served_sandbox("--per-minute", "100000", "--concurrent", "1000") as banner:
        yield banner


def test_serve_workers_and_two_reminder_runs_on_one_sqlite_store_see_no_lock_error(
    sandbox: dict[str, Any], tmp_path: Path
) -> None:
    home = tmp_path / "home"
    env = clean_env(**sandbox["env"], XERO_WA_HOME=str(home), XERO_WA_POLL_INTERVAL_SECONDS="0")
    for argv in (["connect", "xero", "--client-credentials"], ["connect", "whatsapp"]):
        done = subprocess.run([XERO_WA, *argv], env=env, capture_output=True, timeout=TIMEOUT)
        assert done.returncode == 0, done.stderr.decode()[-2000:]
    policy = tmp_path / "reminders.yaml"  # any hour, any day: the runs send whenever they run
    policy.write_text(policy_text(demo_policy(load_policy())))
    fleet = Fleet(env, tmp_path)
    port = free_port()
    fleet.argv["serve"] = [XERO_WA, "serve", "--no-worker", "--no-scheduler", "--port", str(port)]
    for name in ("worker-1", "worker-2"):
        fleet.argv[name] = [XERO_WA, "worker", "--no-scheduler"]
    reminds: list[subprocess.Popen[bytes]] = []
    with httpx.Client(base_url=sandbox["control"], timeout=30) as control:
        try:
            for name in fleet.argv:
                fleet.start(name)
            wait_healthy(port)
            control.put("/xero/webhook", json={"url": f"http://127.0.0.1:{port}/webhooks/xero"})
            today = date.fromisoformat(sandbox["today"])
            reminds = [_remind(env, policy, tmp_path / f"remind-{n}.log") for n in range(2)]
            invoices = []
            for i in range(INVOICES):  # webhooks and alerts while both runs send reminders
                invoices.append(new_invoice(control, i, today))
                deliver(control)
            for _ in range(20):  # Xero redelivers what was not answered with a 200
                if not deliver(control):
                    break
            for process in reminds:
                process.wait(timeout=TIMEOUT)
            _wait_drained(home / "state.db")
        finally:
            for process in reminds:
                if process.poll() is None:
                    process.kill()
                    process.communicate(timeout=TIMEOUT)
            fleet.stop_all()
        messages = control.get("/whatsapp/messages").json()["messages"]

    stderr = {log.stem: log.read_text() for log in tmp_path.glob("*.log")}
    locked = {
        name: text for name, text in stderr.items() if any(w in text.lower() for w in LOCK_WORDS)
    }
    assert locked == {}
    crashed = {f"remind-{n}": p.returncode for n, p in enumerate(reminds) if p.returncode}
    assert crashed == {}, "\n".join(stderr[name][-6000:] for name in crashed)
    states = _rows(home / "state.db", "SELECT state FROM webhook_events")
    assert {state for (state,) in states} == {"done"}
    alerted = {
        str(subject).lower()
        for (subject,) in _rows(
            home / "state.db",
            "SELECT i.subject_id FROM outbox_items i JOIN outbox_messages m "
            "ON m.key = i.message_key WHERE m.kind = 'alert' AND m.state = 'sent'",
        )
    }
    assert {invoice.lower() for invoice in invoices} <= alerted
    keys = Counter(m["biz_opaque_callback_data"] for m in messages if m["biz_opaque_callback_data"])
    assert [key for key, n in keys.items() if n > 1] == []  # nothing sent twice
    reminders = _rows(
        home / "state.db", "SELECT COUNT(*) FROM outbox_messages WHERE kind <> 'alert'"
    )
    assert reminders[0][0] > 0  # the runs did send reminders, side by side


def _remind(env: dict[str, str], policy: Path, log: Path) -> subprocess.Popen[bytes]:
    """`xero-wa remind` with its log beside the fleet's, so a crash's traceback is kept whole."""
    with log.open("wb") as err:
        return subprocess.Popen(
            [XERO_WA, "remind", "--json", "--policy", str(policy)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=err,
        )


def _rows(path: Path, sql: str) -> list[tuple[Any, ...]]:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return list(conn.execute(sql).fetchall())
    finally:
        conn.close()


def _wait_drained(path: Path) -> None:
    """Until no event is queued or working (the workers poll without pause)."""
    wait_drained(lambda sql: _rows(path, sql))
