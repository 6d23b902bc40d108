"""The scheduler across real OS processes: two ``xero-wa serve`` schedulers on one store.

``test_scheduler`` runs two runtimes in one process; here each scheduler is its own process
(``scheduler_process.py``), so the single flight rests on the store's locking between processes
alone: SQLite's file locks, or PostgreSQL's (the several-hosts case, ``XERO_WA_DATABASE_URL``).
Both processes get the same injected time and tick together; nothing sleeps on the wall clock.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from component.clock import FakeClock
from component.config import Settings
from component.runtime import Runtime
from tests.orgs.conftest import orgs, two_logins, whatsapp
from tests.storage import postgres_backends

# Every test here runs on SQLite and on PostgreSQL (tests/storage/postgres_backends.py).
settings = postgres_backends.settings
store_backend = postgres_backends.store_backend

ROOT = Path(__file__).resolve().parents[2]
KEPT_ENV = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "SYSTEMROOT")


def stored_organisations(settings: Settings) -> None:
    """The organisations (India, NZ, AU) stored at 09:30 UTC on 14 July, as the connect flow does."""
    runtime = Runtime(settings=settings, clock=FakeClock())
    two_logins(runtime)
    whatsapp(runtime, "wa")
    orgs(runtime)
    runtime.store.close()


def tick_together(settings: Settings, at: datetime, count: int = 2) -> list[dict[str, Any]]:
    """Start ``count`` scheduler processes, let them tick at once at ``at``; their reports."""
    env = {k: os.environ[k] for k in KEPT_ENV if k in os.environ}
    env["PYTHONPATH"] = str(ROOT)
    if settings.xero_wa_database_url is not None:
        env["XERO_WA_DATABASE_URL"] = settings.xero_wa_database_url.get_secret_value()
    home = settings.xero_wa_home
    procs = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tests.orgs.scheduler_process",
                *("--home", str(home), "--at", at.isoformat(), "--owner", f"process-{n}"),
            ],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
            cwd=ROOT,
        )
        for n in range(count)
    ]
    try:
        for proc in procs:
            assert proc.stdout is not None
            line = proc.stdout.readline()
            assert line.strip() == "ready", proc.stderr.read() if proc.stderr else line
        for proc in procs:  # both are waiting: release them together
            assert proc.stdin is not None
            proc.stdin.write("go\n")
            proc.stdin.flush()
        out = []
        for proc in procs:
            stdout, stderr = proc.communicate(timeout=120)
            assert proc.returncode == 0, stderr
            out.append(json.loads(stdout.strip().splitlines()[-1]))
        return out
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
                proc.communicate(timeout=30)


def ran(reports: list[dict[str, Any]]) -> list[tuple[str, str]]:
    return sorted((tenant, slot) for r in reports for tenant, slot in r["ran"])


def test_two_scheduler_processes_run_each_slot_once_and_catch_up_once(settings: Settings) -> None:
    stored_organisations(settings)
    # Wednesday 15 July, 10:00:05 in Kolkata; Auckland's 10:00 (22:00 UTC the day before) passed
    first = tick_together(settings, datetime(2026, 7, 15, 4, 30, 5, tzinfo=UTC))
    assert ran(first) == [
        ("tenant-in", "2026-07-15T04:30:00+00:00"),
        ("tenant-nz", "2026-07-14T22:00:00+00:00"),
    ]
    outcomes = sorted(outcome for r in first for _, outcome, _ in r["fired"])
    assert outcomes.count("ran") == 2  # the other process lost the claim or saw it done
    assert set(outcomes) <= {"ran", "taken"}
    # the same slot again, a minute later: nothing
    assert ran(tick_together(settings, datetime(2026, 7, 15, 4, 31, 5, tzinfo=UTC))) == []
    # down until Monday 20 July 12:00 Kolkata: Thursday's, Friday's and Monday's slots passed;
    # only the latest runs, once for each organisation, whichever process takes it
    after = tick_together(settings, datetime(2026, 7, 20, 6, 30, tzinfo=UTC))
    assert ran(after) == [
        ("tenant-in", "2026-07-20T04:30:00+00:00"),
        ("tenant-nz", "2026-07-19T22:00:00+00:00"),
    ]
    # Tuesday 21:00 in Kolkata and Wednesday 03:30 in Auckland (both quiet, 20:00-09:00): the
    # slots that passed wait in both processes...
    assert ran(tick_together(settings, datetime(2026, 7, 21, 15, 30, tzinfo=UTC))) == []
    # ...until Kolkata opens at 09:00 (Wednesday 09:01; Auckland 15:31): each latest slot once
    opened = tick_together(settings, datetime(2026, 7, 22, 3, 31, tzinfo=UTC))
    assert ran(opened) == [
        ("tenant-in", "2026-07-21T04:30:00+00:00"),
        ("tenant-nz", "2026-07-21T22:00:00+00:00"),
    ]
