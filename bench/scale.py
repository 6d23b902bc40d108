"""Scale-out: webhook ingest and worker drain on SQLite vs PostgreSQL, and 1, 2 and 4 workers on
PostgreSQL (issue 12 item 5).

Every party runs in its own process: the sandbox (Xero's limits raised, so they do not hide the
storage engine), `xero-wa serve --no-worker` for the ingest, `xero-wa worker --once` processes for
the drain; PostgreSQL is the local server (each run in a fresh schema, dropped afterwards). The
load generator is bench/loadgen.py (raw sockets, its own process) at a fixed concurrency.

- ingest: N signed deliveries (one event each) to `serve --no-worker`: deliveries/s, p99 latency;
- drain: K long-running `xero-wa worker` processes are started and left to settle, then N INVOICE
  updates (invoices that are not news, so no WhatsApp send) are queued in one transaction:
  events/s from the enqueue's commit to the last `done` (the store's own timestamps), p99 of
  each event's queued-to-done time, and the ratio of 4
  workers to 1 on PostgreSQL (SQLite's workers poll every second; PostgreSQL's are woken by NOTIFY).

Usage: python bench/scale.py [--events N] [--concurrency C] [--url postgresql://...]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from procs import BIN, ROOT, Sandbox, child_env, load, start_sandbox
from webhooks import KEY, drive, free_port, percentile, wait_ready
from worker import TODAY, connect, not_news, queue

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/test"
WORKERS = (1, 2, 4)


class Backend:
    """Where a run keeps its state: a fresh SQLite home, or a fresh PostgreSQL schema."""

    def __init__(self, kind: str, tmp: Path, server_url: str) -> None:
        self.kind = kind
        self.home = tmp / f"{kind}-{uuid.uuid4().hex[:8]}"
        self.home.mkdir()
        self._server = server_url
        self.schema = f"xwa_bench_{uuid.uuid4().hex[:12]}"
        self.env: dict[str, str] = {"XERO_WA_HOME": str(self.home)}
        if kind == "postgres":
            import psycopg

            from component.storage.postgres_db import with_search_path

            with psycopg.connect(server_url, autocommit=True) as admin:
                admin.execute(f'CREATE SCHEMA "{self.schema}"')
            self.env["XERO_WA_DATABASE_URL"] = with_search_path(server_url, self.schema)
        # As a deployment does: the schema first (serve and worker never migrate by themselves).
        subprocess.run(
            [str(BIN / "xero-wa"), "db", "upgrade"],
            env=child_env(**self.env),
            cwd=ROOT,
            check=True,
            capture_output=True,
        )

    def rows(self, sql: str) -> list[tuple[Any, ...]]:
        if self.kind == "postgres":
            import psycopg

            with psycopg.connect(self.env["XERO_WA_DATABASE_URL"]) as conn:
                return list(conn.execute(sql).fetchall())
        import sqlite3

        conn = sqlite3.connect(f"file:{self.home / 'state.db'}?mode=ro", uri=True)
        try:
            return list(conn.execute(sql).fetchall())
        finally:
            conn.close()

    def drop(self) -> None:
        if self.kind == "postgres":
            import psycopg

            with psycopg.connect(self._server, autocommit=True) as admin:
                admin.execute(f'DROP SCHEMA IF EXISTS "{self.schema}" CASCADE')


# ---------------------------------------------------------------------------- ingest
def ingest(backend: Backend, events: int, concurrency: int) -> dict[str, float]:
    port = free_port()
    env = child_env(
        **backend.env,
        XERO_WEBHOOK_KEY=KEY,
        XERO_WA_POLL_INTERVAL_SECONDS="0",
        XERO_WA_LOG_LEVEL="WARNING",
    )
    argv = [str(BIN / "xero-wa"), "serve", "--port", str(port), "--no-worker", "--no-scheduler"]
    with (backend.home / "serve.log").open("w") as log:
        service = subprocess.Popen(argv, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=log)
        try:
            wait_ready(port, within=60)
            drive(port, 100, concurrency)  # warm-up (connections, imports, the pool)
            result = drive(port, events, concurrency)  # bench/loadgen.py, its own process
        except RuntimeError:
            log.flush()
            raise SystemExit(
                f"serve did not start (exit {service.poll()}): "
                f"{(backend.home / 'serve.log').read_text()[-1500:]}"
            ) from None
        finally:
            service.terminate()
            service.wait(timeout=30)
    seconds, latencies, accepted = result["seconds"], result["latencies"], result["accepted"]
    stored = {str(r[0]) for r in backend.rows("SELECT resource_id FROM webhook_events")}
    return {
        "rate": events / seconds,
        "p99_ms": percentile(latencies, 99) * 1000,
        "accepted": len(accepted),
        "missing": sum(1 for rid in accepted if rid not in stored),
    }


# ---------------------------------------------------------------------------- drain
#: Xero's limits in the sandbox and in the component, raised so they do not hide the engine.
RAISED = {
    "per_minute": 1_000_000,
    "per_day": 10_000_000,
    "concurrent": 1000,
    "app_per_minute": 1_000_000,
}
#: How long the worker processes get to start (import, open the store, LISTEN) before the events
#: are queued: the drain measures the queue, not Python's start-up.
SETTLE_SECONDS = 6.0


def raised_sandbox(invoices: int) -> Sandbox:
    return start_sandbox(
        {
            "demo": {
                "seed": 7,
                "today": TODAY.isoformat(),
                "tenants": [
                    {"name": "Scale Traders (IN)", "contacts": invoices // 5, "invoices": invoices}
                ],
            },
            "limits": RAISED,
        }
    )


def drain(backend: Backend, box: Sandbox, ids: list[str], workers: int) -> dict[str, float]:
    """Start ``workers`` long-running ``xero-wa worker`` processes, let them settle, queue every
    event in one transaction, and time until all are done (polling the queue from outside)."""
    env = child_env(
        **box.env,
        **backend.env,
        XERO_WA_POLL_INTERVAL_SECONDS="0",
        XERO_MINUTE_CALL_LIMIT=str(RAISED["per_minute"]),
        XERO_DAILY_CALL_BUDGET=str(RAISED["per_day"]),
        XERO_CONCURRENT_LIMIT=str(RAISED["concurrent"]),
        XERO_WA_LOG_LEVEL="WARNING",
    )
    connect(env)
    argv = [str(BIN / "xero-wa"), "worker", "--no-scheduler"]
    logs = [(backend.home / f"worker-{n}.log").open("w") for n in range(workers)]
    procs = [
        subprocess.Popen(argv, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=log)
        for log in logs
    ]
    try:
        time.sleep(SETTLE_SECONDS)
        started = time.perf_counter()
        queue(backend.home, env, box.tenant_id, ids)
        done = 0
        while done < len(ids):
            if any(p.poll() is not None for p in procs):
                raise SystemExit(
                    f"a worker exited: {(backend.home / 'worker-0.log').read_text()[-1500:]}"
                )
            if time.perf_counter() - started > 1800:
                raise SystemExit(f"not drained in 30 minutes: {done}/{len(ids)} done")
            time.sleep(0.05)
            done = backend.rows("SELECT COUNT(*) FROM webhook_events WHERE state = 'done'")[0][0]
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            proc.wait(timeout=60)
        for log in logs:
            log.close()
    rows = backend.rows("SELECT received_at, updated_at FROM webhook_events WHERE state = 'done'")
    queued = min(_when(r[0]) for r in rows)  # the one enqueue transaction's time
    finished = [_when(r[1]) for r in rows]
    waits = [(moment - queued).total_seconds() for moment in finished]
    span = max(waits)
    return {
        "rate": len(rows) / span,
        "seconds": span,
        "p99_s": percentile(waits, 99),
        "done": len(rows),
    }


def _when(stamp: str) -> datetime:
    return datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--url", default=os.environ.get("XERO_WA_TEST_DATABASE_URL") or DEFAULT_URL)
    args = parser.parse_args()
    print(f"Scale bench — {args.events} events; every server in its own process; {load()}")
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        print("Ingest: signed deliveries to xero-wa serve --no-worker")
        for kind in ("sqlite", "postgres"):
            backend = Backend(kind, tmp, args.url)
            try:
                row = ingest(backend, args.events, args.concurrency)
            finally:
                backend.drop()
            print(
                f"  {kind:8} {row['rate']:7.0f} deliveries/s  p99 {row['p99_ms']:6.1f} ms  "
                f"accepted {row['accepted']:.0f}/{args.events}, missing from the store "
                f"{row['missing']:.0f}  ({load()})"
            )
        print(
            "Drain: long-running xero-wa worker processes, all events queued at once (limits raised)"
        )
        box = raised_sandbox(max(args.events * 3, 3000))
        try:
            ids = not_news(box, args.events)
            rates: dict[tuple[str, int], float] = {}
            for kind, workers in [("sqlite", 1), *(("postgres", n) for n in WORKERS)]:
                backend = Backend(kind, tmp, args.url)
                try:
                    row = drain(backend, box, ids, workers)
                finally:
                    backend.drop()
                rates[(kind, workers)] = row["rate"]
                print(
                    f"  {kind:8} {workers} worker(s): {row['rate']:7.0f} events/s "
                    f"({row['seconds']:.1f} s), p99 queued-to-done {row['p99_s']:.2f} s, "
                    f"done {row['done']:.0f}/{len(ids)}  ({load()})"
                )
        finally:
            box.stop()
        ratio = rates[("postgres", 4)] / rates[("postgres", 1)]
        print(f"  ratio 4 workers : 1 on PostgreSQL = {ratio:.2f}")
        print(
            f"  PostgreSQL 1 worker / SQLite 1 worker = {rates[('postgres', 1)] / rates[('sqlite', 1)]:.2f}"
        )
    print(f"({load()} at the end; {datetime.now(UTC):%H:%M} UTC; {os.cpu_count()} cpus)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
