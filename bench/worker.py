"""The worker under a backlog: N queued INVOICE update events drained by ``xero-wa worker --once``
in its own process, the sandbox in another. Prints Xero calls per event by kind (record fetches
vs per-invoice pay links), drain time, and PASS/MISS for issue 13 target 3 (<= 0.05 record-fetch
calls per event; a 10,000-event backlog drained in <= 5 minutes at Xero's 60 calls a minute).

The events are updates of invoices that are not news (paid, overdue, drafts: the alert job sends
nothing for them), so the drain measures what a backlog costs; an alert actually sent would add
its pay link (once per invoice, ever) and its WhatsApp send, counted separately.

Runs: 1,000 and 10,000 events at Xero's real limit (60/min), and 10,000 with the limit raised.
Usage: python bench/worker.py [--sizes 1000 10000] [--no-raised]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from procs import BIN, ROOT, Sandbox, child_env, load, run_measured, start_sandbox, verdict

TODAY = date(2026, 7, 14)
FAST = 100_000
TARGET_CALLS_PER_EVENT = 0.05
TARGET_DRAIN_SECONDS = 300.0


def sandbox(invoices: int, *, fast: bool) -> Sandbox:
    config = {
        "demo": {
            "seed": 7,
            "today": TODAY.isoformat(),
            "tenants": [
                {"name": "Backlog Traders (IN)", "contacts": invoices // 5, "invoices": invoices}
            ],
        },
        "limits": {"per_minute": FAST, "per_day": 10 * FAST} if fast else {},
    }
    return start_sandbox(config)


def not_news(box: Sandbox, wanted: int) -> list[str]:
    """Ids of invoices whose update triggers no alert (not AUTHORISED-and-not-yet-due)."""
    with httpx.Client(base_url=box.url, timeout=120) as client:
        token = client.post(
            "/connect/token",
            data={"grant_type": "client_credentials", "scope": "accounting.transactions"},
            auth=(box.credentials["xero_client_id"], box.credentials["xero_client_secret"]),
        ).json()["access_token"]
        headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
        ids: list[str] = []
        page = 1
        while len(ids) < wanted:
            body = client.get(
                "/api.xro/2.0/Invoices",
                params={"page": str(page), "pageSize": "1000"},
                headers=headers,
            ).json()
            found = body.get("Invoices") or []
            if not found:
                break
            for invoice in found:
                due = str(invoice.get("DueDateString") or "")[:10]
                new = invoice.get("Status") == "AUTHORISED" and due >= TODAY.isoformat()
                if not new and invoice.get("Type") == "ACCREC":
                    ids.append(str(invoice["InvoiceID"]))
            page += 1
    if len(ids) < wanted:
        raise SystemExit(f"the sandbox has only {len(ids)} invoices that are not news")
    return ids[:wanted]


def queue(home: Path, env: dict[str, str], tenant: str, ids: list[str]) -> None:
    """Enqueue one INVOICE UPDATE event per id through the component's own store."""
    code = (
        "import json, sys\n"
        "from datetime import datetime, UTC\n"
        "from component.config import Settings\n"
        "from component.runtime import Runtime\n"
        "from component.storage.events import NewEvent\n"
        "tenant, ids = sys.argv[1], json.loads(sys.stdin.read())\n"
        "runtime = Runtime(settings=Settings())\n"
        "now = datetime.now(UTC)\n"
        "events = [NewEvent(tenant, 'INVOICE', i, 'UPDATE', now.isoformat()) for i in ids]\n"
        "runtime.store.events.enqueue(events, now)\n"
        "print(runtime.store.events.counts())\n"
    )
    subprocess.run(
        [sys.executable, "-c", code, tenant],
        input=json.dumps(ids),
        env=env,
        cwd=ROOT,
        check=True,
        text=True,
        capture_output=True,
    )


def connect(env: dict[str, str]) -> None:
    for what in (["xero", "--client-credentials"], ["whatsapp"]):
        done = subprocess.run(
            [str(BIN / "xero-wa"), "connect", *what], env=env, cwd=ROOT, capture_output=True
        )
        if done.returncode != 0:
            raise SystemExit(f"connect {what[0]} failed: {done.stderr[-800:]!r}")


def calls(box: Sandbox) -> dict[str, int]:
    with httpx.Client(base_url=box.url, timeout=60) as client:
        return dict(client.get("/_sandbox/stats").json()["calls"])


def run(events: int, *, fast: bool, tmp: Path) -> dict[str, Any]:
    box = sandbox(max(events * 3, 3000), fast=fast)
    try:
        home = tmp / f"{events}-{'raised' if fast else 'real'}"
        env = child_env(
            **box.env,
            XERO_WA_HOME=str(home),
            XERO_WA_POLL_INTERVAL_SECONDS="0",
            XERO_MINUTE_CALL_LIMIT=str(FAST if fast else 60),
            XERO_DAILY_CALL_BUDGET=str(10 * FAST if fast else 5000),
        )
        connect(env)
        ids = not_news(box, events)
        queue(home, env, box.tenant_id, ids)
        before = calls(box)
        argv = [str(BIN / "xero-wa"), "worker", "--once", "--no-scheduler"]
        with (home / "out.json").open("w") as out, (home / "err.txt").open("w") as err:
            finished = run_measured(argv, env=env, stdout=out, stderr=err)
        after = calls(box)
        if finished.code != 0:
            raise SystemExit(
                f"worker exited {finished.code}: {(home / 'err.txt').read_text()[-1500:]}"
            )
        result = json.loads((home / "out.json").read_text())["data"]
    finally:
        box.stop()
    used = {
        k: after.get(k, 0) - before.get(k, 0) for k in after if after.get(k, 0) != before.get(k, 0)
    }
    records = sum(
        n for k, n in used.items()
        if k in ("GET /api.xro/2.0/Invoices", "GET /api.xro/2.0/Invoices/{InvoiceID}",
                 "GET /api.xro/2.0/Contacts", "GET /api.xro/2.0/Contacts/{ContactID}")
    )  # fmt: skip
    links = sum(n for k, n in used.items() if k.endswith("/OnlineInvoice"))
    return {
        "events": events,
        "fast": fast,
        "seconds": finished.seconds,
        "records": records,
        "links": links,
        "calls": used,
        "queue": result.get("queue"),
        "done": result.get("done"),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", nargs="*", type=int, default=[1000, 10_000])
    parser.add_argument("--no-raised", action="store_true", help="skip the raised-limit run")
    args = parser.parse_args()
    print(f"Worker bench — xero-wa worker --once in its own process, sandbox in another; {load()}")
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        plan = [(n, False) for n in args.sizes]
        if not args.no_raised:
            plan.append((max(args.sizes), True))
        for events, fast in plan:
            row = run(events, fast=fast, tmp=Path(tmp))
            rows.append(row)
            per = row["records"] / events
            limit = "raised" if fast else "60/min"
            print(
                f"  {events:,} events, Xero limit {limit}: drained in {row['seconds']:.1f} s "
                f"({events / row['seconds']:.0f} events/s), record fetches {row['records']} "
                f"= {per:.3f}/event, pay links {row['links']}, done {row['done']}, "
                f"queue after {row['queue']}"
            )
            print(f"     calls: {row['calls']}")
    print(f"  ({load()} at the end; {datetime.now(UTC):%H:%M} UTC)")
    print("Targets")
    for row in rows:
        per = row["records"] / row["events"]
        line = (
            f"  T3 {row['events']:,} events ({'raised' if row['fast'] else '60/min'}): "
            f"{per:.3f} record-fetch calls/event, target <= {TARGET_CALLS_PER_EVENT}: "
            f"{verdict(per <= TARGET_CALLS_PER_EVENT)}"
        )
        if row["events"] >= 10_000 and not row["fast"]:
            line += (
                f"; drained in {row['seconds']:.0f} s, target <= {TARGET_DRAIN_SECONDS:.0f} s: "
                f"{verdict(row['seconds'] <= TARGET_DRAIN_SECONDS)}"
            )
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
