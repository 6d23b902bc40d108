"""Replies end to end on the served sandbox (issue 14's "done when"): a username-only STOP, a
"Paid already" tap and a promise to pay.

``xero-wa sandbox serve`` runs in its own process, the service (``create_app``, what ``xero-wa
serve`` runs) on a port with its worker, and ``xero-wa remind`` as a separate process on the same
data home. Customers answer through the sandbox's WhatsApp (signed webhooks into the service);
``remind --as-of`` plans later days, so the promise's pause and its follow-up are seen without
waiting.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from component.reminders.policy import load_policy
from component.reminders.sandbox import demo_policy, policy_text
from tests.web.browser.live import ENTRY, KEPT_ENV, PER_MINUTE, Live, live_stack

ROOT = Path(__file__).resolve().parents[2]
GRACE_DAYS = 2


@pytest.fixture
def live(tmp_path: Path) -> Iterator[Live]:
    with live_stack(tmp_path) as stack:
        connect(stack)
        yield stack


def connect(live: Live) -> None:
    """The sandbox's custom connection and WhatsApp number, stored as ``xero-wa connect`` does."""
    from component.oauth.manage import connect_client_credentials, save_whatsapp

    creds = live.banner["credentials"]

    async def xero() -> None:
        await connect_client_credentials(
            live.runtime,
            "xero",
            {
                "clientId": creds["xero_client_id"],
                "clientSecret": creds["xero_client_secret"],
                "scopes": "accounting.transactions accounting.contacts accounting.settings",
            },
        )

    live.run(xero)
    save_whatsapp(
        live.runtime,
        "whatsapp",
        {
            "accessToken": creds["whatsapp_access_token"],
            "phoneNumberId": creds["whatsapp_phone_number_id"],
            "businessAccountId": creds["whatsapp_business_account_id"],
            "appSecret": creds["whatsapp_app_secret"],
            "verifyToken": creds["whatsapp_verify_token"],
        },
    )
    live.app.state.service.refresh_secrets()


def remind(live: Live, home: Path, *args: str) -> list[dict[str, Any]]:
    """``xero-wa remind --json`` in its own process, on the service's data home; its entries."""
    policy = home.parent / "policy.yaml"
    if not policy.exists():  # any hour, any day: the runs must not depend on the wall clock
        policy.write_text(policy_text(demo_policy(load_policy())), encoding="utf-8")
    env = {k: os.environ[k] for k in KEPT_ENV if k in os.environ}
    env.update(live.banner["env"])
    env.update(
        XERO_WA_HOME=str(home),
        XERO_MINUTE_CALL_LIMIT=str(PER_MINUTE),
        PYTHONPATH=str(ROOT),
    )
    done = subprocess.run(
        [sys.executable, "-c", ENTRY, "remind", "--json", "--policy", str(policy), *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=home.parent,
        timeout=300,
        check=False,
    )
    assert done.returncode in (0, 1), done.stderr
    lines = [json.loads(line) for line in done.stdout.splitlines() if line.strip()]
    return [line for line in lines if line.get("type") == "entry"]


def until(what: str, check: Callable[[], Any]) -> Any:
    """``check()`` once it is truthy: the worker answers in its own thread, within seconds."""
    for _ in range(300):  # 30 s, looked at every 0.1 s
        found = check()
        if found:
            return found
        threading.Event().wait(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def pauses(live: Live) -> list[Any]:
    """The reply pauses of the contacts whose messages wait on the review list."""
    replies = live.runtime.store.replies
    found = [
        replies.pause_of(r.tenant_id, r.contact_id) for r in replies.to_review() if r.contact_id
    ]
    return [p for p in found if p is not None]


def texts_to(live: Live, number: str) -> list[str]:
    messages = live.sandbox("GET", f"/whatsapp/messages?to={number}")["messages"]
    return [m["content"]["text"]["body"] for m in messages if m["type"] == "text"]


def reminders_to(live: Live, number: str) -> int:
    messages = live.sandbox("GET", f"/whatsapp/messages?to={number}")["messages"]
    return sum(1 for m in messages if m["type"] == "template")


def first_reminder(live: Live, home: Path) -> tuple[date, dict[str, Any]]:
    """Today's real run; the first reminder it sent (recipient, invoices)."""
    today = date.fromisoformat(live.sandbox("GET", "/")["today"])  # the service's too
    sent = [e for e in remind(live, home, "--as-of", today.isoformat()) if e["outcome"] == "sent"]
    assert sent
    return today, sent[0]


def test_paid_already_notes_the_invoice_in_xero_and_pauses(live: Live, tmp_path: Path) -> None:
    _today, first = first_reminder(live, tmp_path / "home")
    number = first["recipient"]
    live.sandbox("POST", "/whatsapp/inbound", {"from": number, "button": {"text": "Paid already"}})
    live.sandbox("POST", "/whatsapp/statuses/flush")
    thanks = until("the answer", lambda: [t for t in texts_to(live, number) if "paused" in t])
    assert len(thanks) == 1
    store = live.runtime.store
    [reply] = store.replies.to_review()
    assert (reply.intent, reply.phone) == ("paid", number)
    assert reply.contact_id is not None
    invoice_id = reply.invoice_ids[0]
    history = until(
        "the note in Xero",
        lambda: [
            h
            for h in live.xero(f"/Invoices/{invoice_id}/History")["HistoryRecords"]
            if str(h.get("Details", "")).startswith("Customer says paid on")
        ],
    )
    assert len(history) == 1
    pause = store.replies.pause_of(reply.tenant_id, reply.contact_id)
    assert pause is not None
    assert pause.kind == "paid"


def test_a_username_only_stop_opts_out_the_number_we_remind(live: Live, tmp_path: Path) -> None:
    home = tmp_path / "home"
    today = date.fromisoformat(live.sandbox("GET", "/")["today"])
    planned = [
        e
        for e in remind(live, home, "--as-of", today.isoformat(), "--dry-run")
        if e["outcome"] == "planned"
    ]
    number = planned[0]["recipient"]
    user = live.sandbox(  # the customer hides their number behind a username
        "POST", "/whatsapp/users", {"phone": number, "username": "meera.silks", "hides_phone": True}
    )
    remind(live, home, "--as-of", today.isoformat())
    live.sandbox("POST", "/clock/advance", {"seconds": 60})  # statuses carry the user id
    identities = live.runtime.store.identities
    until("the number behind the user id", lambda: identities.phone_for(user["user_id"]))
    live.sandbox("POST", "/whatsapp/users/forget-phone", {"from": number})
    sent = live.sandbox("POST", "/whatsapp/inbound", {"user_id": user["user_id"], "text": "STOP"})
    assert number.lstrip("+") not in json.dumps(sent["payload"])  # Meta shows no number
    live.sandbox("POST", "/whatsapp/statuses/flush")
    optouts = live.runtime.store.optouts
    until("the opt-out", lambda: optouts.is_opted_out("any", None, number))
    others = [e["recipient"] for e in planned[1:] if e["recipient"] != number]
    assert all(optouts.is_opted_out("any", None, n) is None for n in others)  # nobody else
    later = today + timedelta(days=30)  # a new stage is due for everyone still chased
    entries = remind(live, home, "--as-of", later.isoformat(), "--dry-run")
    mine = [e for e in entries if e.get("recipient") == number]
    assert not [e for e in mine if e["outcome"] == "planned"]


def test_a_promise_pauses_the_ladder_then_one_reminder_follows_the_day_after(
    live: Live, tmp_path: Path
) -> None:
    home = tmp_path / "home"
    today, first = first_reminder(live, home)
    number, invoices = first["recipient"], first["invoices"]
    assert reminders_to(live, number) == 1

    live.sandbox(
        "POST", "/whatsapp/inbound", {"from": number, "button": {"text": "Need more time"}}
    )
    live.sandbox("POST", "/whatsapp/statuses/flush")
    asked = until(
        "the date question", lambda: [t for t in texts_to(live, number) if "By what date" in t]
    )
    assert invoices[0] in asked[0]

    promised = today + timedelta(days=5)
    live.sandbox("POST", "/whatsapp/inbound", {"from": number, "text": promised.strftime("%d %b")})
    live.sandbox("POST", "/whatsapp/statuses/flush")
    store = live.runtime.store
    pause = until(
        "the promise",
        lambda: next((p for p in pauses(live) if p.kind == "promise"), None),
    )
    assert pause.promise_date == promised.isoformat()

    paused_day = promised + timedelta(days=GRACE_DAYS - 1)
    held = remind(live, home, "--as-of", paused_day.isoformat())
    mine = [e for e in held if e.get("recipient") == number or invoices[0] in e["invoices"]]
    assert mine
    assert {e["outcome"] for e in mine} == {"skipped"}
    # paused (a stage reached since) or already sent at its current stage: never sent
    assert {e["reason"] for e in mine} <= {"paused_by_reply", "already_sent"}
    assert reminders_to(live, number) == 1

    day_after = promised + timedelta(days=GRACE_DAYS + 1)
    followed = remind(live, home, "--as-of", day_after.isoformat())
    sent = [e for e in followed if e["outcome"] == "sent" and e["recipient"] == number]
    assert len(sent) == 1
    assert invoices[0] in sent[0]["invoices"]
    assert reminders_to(live, number) == 2
    latest = live.sandbox("GET", f"/whatsapp/messages?to={number}")["messages"][-1]
    stages = {i.stage for i in store.outbox.items_of(latest["biz_opaque_callback_data"])}
    assert f"after-promise-{promised.isoformat()}" in stages  # the promise's own reminder
    again = remind(live, home, "--as-of", day_after.isoformat())
    assert not [e for e in again if e["outcome"] == "sent" and e["recipient"] == number]
    assert reminders_to(live, number) == 2


def doctor(live: Live, home: Path, **env: str) -> dict[str, dict[str, str]]:
    """``xero-wa doctor --online --json`` in its own process on the service's data home."""
    kept = {k: os.environ[k] for k in KEPT_ENV if k in os.environ}
    kept.update(live.banner["env"])
    for name in ("WHATSAPP_APP_SECRET", "WHATSAPP_VERIFY_TOKEN", "WHATSAPP_ACCESS_TOKEN"):
        kept.pop(name, None)  # the stored connection's, as `xero-wa connect` left them
    kept.update(XERO_WA_HOME=str(home), XERO_WA_PUBLIC_URL=live.url, PYTHONPATH=str(ROOT), **env)
    done = subprocess.run(
        [sys.executable, "-c", ENTRY, "doctor", "--online", "--json"],
        capture_output=True,
        text=True,
        env=kept,
        cwd=home.parent,
        timeout=300,
        check=False,
    )
    assert done.returncode in (0, 12), done.stderr
    return {c["name"]: c for c in json.loads(done.stdout)["data"]["checks"]}


def test_doctor_online_on_the_served_stack(live: Live, tmp_path: Path) -> None:
    found = doctor(live, tmp_path / "home")
    assert found["whatsapp signature secret"]["status"] == "ok"
    assert found["whatsapp webhook"]["status"] == "warn"  # plain HTTP, on this machine
    online = found["whatsapp webhook (online)"]
    assert online == {
        "name": "whatsapp webhook (online)",
        "status": "ok",
        "detail": f"{live.url}/webhooks/whatsapp answers Meta's subscription check",
    }
    assert found["whatsapp templates (online)"]["status"] == "ok"
    wrong = doctor(live, tmp_path / "home", WHATSAPP_VERIFY_TOKEN="not-the-token")
    refused = wrong["whatsapp webhook (online)"]
    assert refused["status"] == "fail"
    assert "answered 403 to Meta's subscription check" in refused["detail"]
    assert "not-the-token" not in json.dumps(wrong)
