"""The reminder job at scale, on the sandbox served in another process, in one run.

Prints four figures against their targets:

1. Xero calls for listing 10,000 overdue invoices (target <= ceil(invoices/1000) + 2);
2. WhatsApp sends per second as a fraction of the sandbox's 80/s cap (target >= 0.9), from the
   sandbox's own acceptance times of the first and last message;
3. 130429 (throughput exceeded) answers from the sandbox (target 0);
4. the job's peak memory at 100,000 overdue invoices against 10,000 (target ratio <= 1.3),
   measured with tracemalloc in this process while the sandbox (and its 100,000 invoices) lives
   in a child process, so only the reminder job's own allocations count.

The sandbox is ``component.sandbox.serve.serve`` in a child process on a free port, seeded so
that exactly 10,000 (and 100,000) invoices are overdue. The bench policy disables pay links:
10,000 links cost 10,000 Xero calls (2.8 hours at 60 a minute, two days of budget), so the bench
sends two templates of its own without a "View and pay" button (registered on the bench's
sandbox, ``BENCH_TEMPLATES``); history notes and e-mail fallback are off for the same reason.
The memory runs raise the sandbox's and the client's limits (Xero 100,000/min, WhatsApp
100,000/s) so that the 100,000-invoice run does not take hours; figures 1-3 come from
the run at Xero's and WhatsApp's real limits.

Usage: python bench/remind.py [--skip-memory]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import subprocess
import sys
import tempfile
import time
import tracemalloc
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import httpx

from component import sessions
from component.config import Settings
from component.reminders.policy import WEEKDAYS, Policy, load_policy
from component.reminders.report import Report
from component.reminders.run import RunOptions, run_reminders
from component.runtime import Runtime

TODAY = date(2026, 7, 14)
#: Demo generator sizes (seed 42, today above) that give exactly 10,000 / 100,000 overdue invoices.
SMALL = (24_761, 3_000)
LARGE = (248_966, 30_000)
CAP = 80
FAST = 100_000

SERVE = (
    "import json, sys\n"
    "from component.sandbox.config import SandboxConfig\n"
    "from component.sandbox.serve import serve\n"
    "serve(SandboxConfig.model_validate(json.loads(sys.argv[1])), port=0)\n"
)


@dataclass
class Sandbox:
    process: subprocess.Popen[str]
    banner: dict[str, Any]

    @property
    def url(self) -> str:
        return str(self.banner["url"])

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)


#: Buttonless templates (a button needs a pay link: one Xero call per invoice).
BENCH_TEMPLATES = [
    {
        "name": "bench_reminder",
        "body_text": "Hello {{1}}, invoice {{2}} for {{3}} was due on {{4}}, {{5}} days ago.",
        "body_params": [
            {"name": n}
            for n in ("party_name", "invoice_number", "amount", "due_date", "days_overdue")
        ],
    },
    {
        "name": "bench_reminder_multi",
        "body_text": "Hello {{1}}, your unpaid invoices total {{2}}: {{3}}.",
        "body_params": [{"name": n} for n in ("party_name", "total", "invoice_summary")],
    },
]


def start_sandbox(invoices: int, contacts: int, *, fast: bool) -> Sandbox:
    config = {
        "demo": {
            "seed": 42,
            "today": TODAY.isoformat(),
            "tenants": [{"name": "Bench Traders (IN)", "contacts": contacts, "invoices": invoices}],
        },
        "limits": {"per_minute": FAST, "per_day": 10 * FAST} if fast else {},
        "whatsapp": {
            "throughput_per_second": FAST if fast else CAP,
            "templates": BENCH_TEMPLATES,
        },
    }
    process = subprocess.Popen(
        [sys.executable, "-c", SERVE, json.dumps(config)],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    banner = json.loads(process.stdout.readline())
    return Sandbox(process, banner)


def bench_policy() -> Policy:
    data = load_policy().model_dump(by_alias=True)
    data["stages"] = [s for s in data["stages"] if s["days"] > 0]  # overdue only
    for stage in data["stages"]:
        stage.update(template="bench_reminder", button="none", header="none")
    data["combined"].update(template="bench_reminder_multi", button="none")
    data.update(
        stopAfterDays=None,
        quietHours=None,
        businessDays=list(WEEKDAYS),
        minimumAmount={"default": "0", "byCurrency": {}},
        historyNotes={"enabled": False},
        emailFallback={"enabled": False},
    )
    data["optOut"]["contactGroup"] = None
    data["payLinks"]["enabled"] = False
    return Policy.model_validate(data)


async def run_job(sandbox: Sandbox, home: Path, *, fast: bool) -> tuple[Report, float]:
    """One reminder run against ``sandbox``; returns the report and the peak traced bytes."""
    env = sandbox.banner["env"]
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None,
        xero_wa_home=home,
        xero_api_url=env["XERO_API_URL"],
        xero_identity_url=env["XERO_IDENTITY_URL"],
        xero_connections_url=env["XERO_CONNECTIONS_URL"],
        whatsapp_api_url=env["WHATSAPP_API_URL"],
        xero_minute_call_limit=FAST if fast else 60,
        xero_daily_call_budget=10 * FAST if fast else 5000,
        whatsapp_messages_per_second=FAST if fast else CAP,
    )
    runtime = Runtime(settings=settings)
    credentials = sandbox.banner["credentials"]
    xero = await sessions.resolve(
        runtime,
        {
            "type": "xeroClientCredentials",
            "clientId": credentials["xero_client_id"],
            "clientSecret": credentials["xero_client_secret"],
        },
        "xero",
    )
    xero = xero.with_tenant(sandbox.banner["tenants"][0]["tenantId"])
    whatsapp = await sessions.resolve(
        runtime,
        {
            "type": "whatsappCloud",
            "accessToken": credentials["whatsapp_access_token"],
            "phoneNumberId": credentials["whatsapp_phone_number_id"],
            "businessAccountId": credentials["whatsapp_business_account_id"],
        },
        "whatsapp",
    )
    options = RunOptions(bench_policy(), as_of=TODAY, keep_entries=False, concurrency=32)
    if fast:  # the memory runs trace allocations; the rate run must not pay for tracing
        tracemalloc.start()
    try:
        report = await run_reminders(runtime, xero, whatsapp, options)
        peak = tracemalloc.get_traced_memory()[1] if fast else 0
    finally:
        tracemalloc.stop()
        await runtime.aclose()
    return report, peak


def sandbox_figures(sandbox: Sandbox) -> tuple[list[str], int]:
    """Acceptance times of every message, and the number of 130429 answers, from the sandbox."""
    with httpx.Client(base_url=sandbox.url, timeout=60) as client:
        messages = client.get("/_sandbox/whatsapp/messages").json()["messages"]
        stats = client.get("/_sandbox/stats").json()
    refused = sum(
        count
        for key, count in stats.get("responses", {}).items()
        if "/messages" in key and key.endswith(" 429")
    )
    return [m["accepted_at"] for m in messages], refused


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--skip-memory", action="store_true", help="only the 80/s run")
    args = parser.parse_args()
    invoices = 10_000
    with tempfile.TemporaryDirectory() as tmp:
        sandbox = start_sandbox(*SMALL, fast=False)
        try:
            started = time.perf_counter()
            report, _peak = asyncio.run(run_job(sandbox, Path(tmp) / "rate", fast=False))
            elapsed = time.perf_counter() - started
            accepted, refused_429 = sandbox_figures(sandbox)
        finally:
            sandbox.stop()
        memory = None if args.skip_memory else measure_memory(Path(tmp))
    print_figures(report, elapsed, accepted, refused_429, invoices, memory)
    return 0


def measure_memory(tmp: Path) -> tuple[float, float, int, int]:
    peaks: list[float] = []
    listed: list[int] = []
    for name, (invoices, contacts) in (("small", SMALL), ("large", LARGE)):
        sandbox = start_sandbox(invoices, contacts, fast=True)
        try:
            report, peak = asyncio.run(run_job(sandbox, tmp / name, fast=True))
        finally:
            sandbox.stop()
        peaks.append(peak / 1e6)
        listed.append(int(report.tenants[0]["listed"]))
    return peaks[0], peaks[1], listed[0], listed[1]


def print_figures(
    report: Report,
    elapsed: float,
    accepted: list[str],
    refused_429: int,
    invoices: int,
    memory: tuple[float, float, int, int] | None,
) -> None:
    calls = report.xero.by_purpose
    listing = calls["invoices"] + calls["organisation"] + calls.get("contact_groups", 0)
    target = math.ceil(invoices / 1000) + 2
    times = sorted(datetime.fromisoformat(a) for a in accepted)
    window = (times[-1] - times[0]).total_seconds() if len(times) > 1 else 0.0
    rate = (len(times) - 1) / window if window else 0.0
    listed = report.tenants[0]["listed"]
    print("Reminder bench — sandbox served in a child process (real HTTP), one run")
    print(
        "  pay links disabled by the bench policy (10,000 links = 10,000 Xero calls): the "
        "bench's templates have no pay-link button; history notes and e-mail fallback off"
    )
    print(
        f"  {listed:,} overdue invoices over {SMALL[1]:,} contacts → {report.sent:,} WhatsApp "
        f"messages for {report.sent_invoices:,} invoices; skipped {dict(report.skipped)}; "
        f"run took {elapsed:.1f} s"
    )
    print(
        f"1. Xero calls for listing: {listing} ({calls['invoices']} invoice pages + "
        f"{calls['organisation']} organisation)   target <= {target}   "
        f"{_verdict(listing <= target)}"
    )
    print(
        f"   (contacts cache, cold start: {calls['contacts']} calls at 1,000 per page; "
        "a warm run asks only for changes with If-Modified-Since)"
    )
    print(
        f"2. WhatsApp sends per second: {rate:.1f} = {rate / CAP:.2f} of the {CAP}/s cap "
        f"({len(times):,} sends in {window:.1f} s)   target >= 0.9   {_verdict(rate / CAP >= 0.9)}"
    )
    print(f"3. 130429 answers: {refused_429}   target 0   {_verdict(refused_429 == 0)}")
    if memory is None:
        print("4. peak memory: skipped (--skip-memory)")
        return
    small, large, n_small, n_large = memory
    ratio = large / small
    print(
        f"4. peak memory of the reminder job (tracemalloc; sandbox in another process): "
        f"{n_small:,} invoices {small:.1f} MB, {n_large:,} invoices {large:.1f} MB, "
        f"ratio {ratio:.2f}   target <= 1.3   {_verdict(ratio <= 1.3)}"
    )


def _verdict(ok: bool) -> str:
    return "OK" if ok else "MISSED"


if __name__ == "__main__":
    sys.exit(main())
