"""``xero-wa templates list|check|submit`` as a user runs them: the sandbox served on a port with
a new, empty WhatsApp account (``--no-templates``), the commands in their own processes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

CLI = [sys.executable, "-c", "import sys; from component.cli import main; sys.exit(main())"]
SHIPPED_LANGUAGES = {"en", "en_US", "hi"}


@pytest.fixture(scope="module")
def served() -> Iterator[dict[str, Any]]:
    proc = subprocess.Popen(
        [*CLI, "sandbox", "serve", "--port", "0", "--no-templates"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={"PATH": os.environ.get("PATH", "")},
    )
    assert proc.stdout is not None
    line = proc.stdout.readline()
    try:
        assert line, proc.stderr.read() if proc.stderr else "no output"
        yield json.loads(line)
    finally:
        proc.terminate()
        proc.communicate(timeout=15)


def run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*CLI, *args], env=env, capture_output=True, text=True, timeout=120, check=False
    )


def test_check_fails_until_submitted_templates_are_approved(
    served: dict[str, Any], tmp_path: Path
) -> None:
    creds = served["credentials"]
    env = {
        "PATH": os.environ.get("PATH", ""),
        "PYTHONIOENCODING": "utf-8",
        "XERO_WA_HOME": str(tmp_path / "home"),
        **served["env"],
    }
    connected = run(
        env,
        "connect",
        "whatsapp",
        "--phone-number-id",
        creds["whatsapp_phone_number_id"],
        "--business-account-id",
        creds["whatsapp_business_account_id"],
    )
    assert connected.returncode == 0, connected.stderr

    before = run(env, "templates", "check", "--json")
    assert before.returncode == 8, before.stderr
    problems = {f["problem"] for t in json.loads(before.stdout)["targets"] for f in t["findings"]}
    assert problems == {"does not exist on the WhatsApp account"}

    submitted = run(env, "templates", "submit", "--json")
    assert submitted.returncode == 0, submitted.stderr
    [target] = json.loads(submitted.stdout)
    outcomes = {(s["template"], s["language"]): s for s in target["submitted"]}
    assert {lang for _, lang in outcomes} == SHIPPED_LANGUAGES
    assert outcomes[("payment_reminder", "hi")]["outcome"] == "created"
    assert outcomes[("payment_reminder", "hi")]["status"] == "PENDING"
    assert outcomes[("payment_reminder_pdf", "en")]["outcome"] == "skipped"
    created = [s for s in outcomes.values() if s["outcome"] == "created"]
    assert created
    assert all(s["category"] == "UTILITY" for s in created)

    pending = run(env, "templates", "check")
    assert pending.returncode == 8
    assert "is PENDING: Meta has not approved it yet" in pending.stdout

    advanced = run(env, "sandbox", "advance", "60", "--url", served["url"])
    assert advanced.returncode == 0, advanced.stderr
    after = run(env, "templates", "check")
    assert after.returncode == 0, after.stdout + after.stderr
    assert "all match" in after.stdout
    assert "ok       payment_reminder (en)" in after.stdout

    again = run(env, "templates", "submit", "--json", "--language", "hi")
    assert {s["outcome"] for s in json.loads(again.stdout)[0]["submitted"]} <= {"exists", "skipped"}

    listed = run(env, "templates", "list", "--json")
    rows = json.loads(listed.stdout)[0]["templates"]
    assert {(r["name"], r["status"]) for r in rows if r["language"] == "hi"} >= {
        ("payment_reminder", "APPROVED"),
        ("customer_reply", "APPROVED"),
    }
