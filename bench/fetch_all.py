"""Every overdue invoice of an organisation: our `listOverdueInvoices` against the official
xero-python SDK used as its documentation shows, both against one sandbox in its own process.

- ours: `xero-wa run listOverdueInvoices` (a whole process: Xero's filters, 1,000 a page,
  the component's limiter and retries);
- the SDK: `AccountingApi.get_invoices(tenant, statuses=["AUTHORISED"], where=..., page=N,
  page_size=1000)` page after page until a short page, in its own virtualenv (created once
  under the bench cache with `pip install xero-python`) and its own process.

Both see the sandbox's real limits (60 calls a minute); wall times include any real wait.
Calls are counted by the sandbox. Printed: each one's calls against the page minimum
ceil(overdue / 1000), wall time, and whether both found the same invoices.

Usage: python bench/fetch_all.py [--invoices N] [--sdk-venv DIR]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from procs import BIN, ROOT, Sandbox, child_env, load, start_sandbox, verdict

TODAY = "2026-07-14"


def where_overdue() -> str:
    """The SDK's filter for "overdue today": today in the demo organisation's zone (India), the
    day `listOverdueInvoices` uses (it reads the real clock)."""
    today = (datetime.now(UTC) + timedelta(hours=5, minutes=30)).date()
    return f'Type=="ACCREC" AND AmountDue>0 AND DueDate<DateTime({today:%Y,%m,%d})'


DEFAULT_VENV = (
    Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "xero-wa-bench/xero-python"
)

SDK_SCRIPT = r"""
import json, sys, time, urllib.request, urllib.parse, base64
from xero_python.api_client import ApiClient
from xero_python.api_client.configuration import Configuration
from xero_python.api_client.oauth2 import OAuth2Token
from xero_python.accounting import AccountingApi

base, identity, client_id, secret, tenant, where = sys.argv[1:7]
started = time.perf_counter()
form = urllib.parse.urlencode({"grant_type": "client_credentials",
                               "scope": "accounting.transactions"}).encode()
basic = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
request = urllib.request.Request(identity + "/connect/token", data=form,
                                 headers={"Authorization": "Basic " + basic})
token = json.load(urllib.request.urlopen(request))
token["expires_at"] = time.time() + int(token.get("expires_in", 1800))
store = {}
api_client = ApiClient(Configuration(oauth2_token=OAuth2Token(client_id=client_id,
                                                                client_secret=secret)),
                       pool_threads=1)

@api_client.oauth2_token_getter
def get_token():
    return store.get("token")

@api_client.oauth2_token_saver
def save_token(value):
    store["token"] = value

api_client.set_oauth2_token(token)
api = AccountingApi(api_client, base_url=base)
ids, page, calls = [], 1, 0
while True:
    result = api.get_invoices(tenant, statuses=["AUTHORISED"], where=where, page=page,
                              page_size=1000)
    calls += 1
    batch = result.invoices or []
    ids += [str(i.invoice_id) for i in batch]
    if len(batch) < 1000:
        break
    page += 1
print(json.dumps({"ids": ids, "calls": calls, "seconds": time.perf_counter() - started}))
"""


def sdk_python(venv: Path) -> Path:
    python = venv / "bin" / "python"
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "-q", "xero-python"], check=True)
    return python


def calls(box: Sandbox) -> dict[str, int]:
    with httpx.Client(base_url=box.url, timeout=60) as client:
        return dict(client.get("/_sandbox/stats").json()["calls"])


def diff(before: dict[str, int], after: dict[str, int]) -> dict[str, int]:
    return {k: n - before.get(k, 0) for k, n in after.items() if n != before.get(k, 0)}


def xero_calls(used: dict[str, int]) -> int:
    return sum(n for k, n in used.items() if "/api.xro/2.0/" in k)


def ours(box: Sandbox, home: Path) -> tuple[set[str], dict[str, int], float]:
    creds = box.credentials
    connection = {
        "type": "xeroClientCredentials",
        "clientId": creds["xero_client_id"],
        "clientSecret": creds["xero_client_secret"],
    }
    argv = [str(BIN / "xero-wa"), "run", "listOverdueInvoices",
            "--connection-value", json.dumps(connection)]  # fmt: skip
    before = calls(box)
    started = time.perf_counter()
    done = subprocess.run(argv, env=child_env(**box.env, XERO_WA_HOME=str(home)), cwd=ROOT,
                          capture_output=True, text=True)  # fmt: skip
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"listOverdueInvoices failed: {done.stderr[-1500:]}")
    data: Any = json.loads(done.stdout)
    invoices = (data.get("data") or data)["Invoices"]
    return {str(i["InvoiceID"]) for i in invoices}, diff(before, calls(box)), seconds


def sdk(box: Sandbox, python: Path) -> tuple[set[str], dict[str, int], float]:
    creds = box.credentials
    env = box.env
    before = calls(box)
    started = time.perf_counter()
    done = subprocess.run(
        [str(python), "-c", SDK_SCRIPT, env["XERO_API_URL"], env["XERO_IDENTITY_URL"],
         creds["xero_client_id"], creds["xero_client_secret"], box.tenant_id, where_overdue()],
        capture_output=True, text=True,
    )  # fmt: skip
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"the SDK run failed: {done.stderr[-1500:]}")
    result = json.loads(done.stdout)
    return set(result["ids"]), diff(before, calls(box)), seconds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--invoices", type=int, default=10_000)
    parser.add_argument("--sdk-venv", type=Path, default=DEFAULT_VENV)
    args = parser.parse_args()
    python = sdk_python(args.sdk_venv)
    print(f"Fetch-all bench — ours and xero-python, each its own process, one sandbox; {load()}")
    config = {
        "demo": {"seed": 42, "today": TODAY,
                 "tenants": [{"name": "Fetch Traders (IN)", "contacts": 1000,
                              "invoices": args.invoices}]},
    }  # fmt: skip
    box = start_sandbox(config)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            sdk_ids, sdk_used, sdk_seconds = sdk(box, python)
            our_ids, our_used, our_seconds = ours(box, Path(tmp))
    finally:
        box.stop()
    overdue = len(our_ids)
    minimum = math.ceil(overdue / 1000)
    ours_n, sdk_n = xero_calls(our_used), xero_calls(sdk_used)
    print(
        f"  {args.invoices:,} invoices, {overdue:,} overdue; page minimum ceil(N/1000) = {minimum}"
    )
    print(f"  ours: {ours_n} Xero calls {our_used}, {our_seconds:.2f} s (whole process)")
    print(f"  xero-python: {sdk_n} Xero calls {sdk_used}, {sdk_seconds:.2f} s (whole process)")
    print(f"  same invoices: {our_ids == sdk_ids} ({len(sdk_ids):,} from the SDK)")
    pages = our_used.get("GET /api.xro/2.0/Invoices", 0)
    print(
        f"  ours: {pages} list pages vs the minimum {minimum}: {verdict(pages <= minimum)}, plus "
        f"{ours_n - pages} other call(s) (the organisation, for its 'today'); xero-python: "
        f"{sdk_n} calls in all"
    )
    print(f"  ({load()} at the end)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
