"""``/`` (the dashboard) and ``/invoices``: figures from the store after a real reminder run."""

from __future__ import annotations

import asyncio
import re
from datetime import timedelta
from typing import Any

import pytest

from component.reminders import run as reminders_run
from component.reminders.plan import WITHHELD
from tests.web.conftest import Web, csrf_of

pytestmark = pytest.mark.anyio


def figure(html: str, name: str) -> int:
    found = re.search(rf'data-figure="{name}">(\d+)<', html)
    assert found is not None, name
    return int(found.group(1))


async def run_now(web: Web) -> tuple[str, dict[str, Any]]:
    page = await web.client.get("/")
    response = await web.client.post("/reminders/run", data={"csrf_token": csrf_of(page.text)})
    assert response.status_code == 200, response.text
    assert "Reminder run started" in response.text
    await asyncio.gather(*web.app.state.web.tasks)  # the run goes on after the answer
    run = web.runtime.store.runs.list(job="reminders", limit=1)[0]
    assert run.state != "running"
    return (await web.client.get("/")).text, run.summary


async def test_without_an_organisation_the_dashboard_says_to_connect(signed_in: Web) -> None:
    page = await signed_in.client.get("/")
    assert page.status_code == 200
    assert 'href="/connections">Connect Xero</a>' in page.text


async def test_the_dashboard_shows_what_the_run_did(connected: Web) -> None:
    before = (await connected.client.get("/")).text
    assert figure(before, "sent") == 0
    html, summary = await run_now(connected)
    assert f"{summary['sent']} sent" in html  # the last run's line
    assert summary["sent"] > 0
    assert figure(html, "sent") == summary["sentInvoices"]
    assert figure(html, "eligible") >= summary["sentInvoices"]
    desc = re.search(r'<desc id="sends-desc">(\d+) in all over 30 days', html)
    assert desc is not None
    assert int(desc.group(1)) == summary["sent"]
    assert f'id="xero-calls">{summary["xeroCalls"]["total"]}<' in html
    for reason, count in summary["skipped"].items():
        assert re.search(rf"<td class=\"num\">{count}</td>", html), reason
    if summary["failed"]:
        for code in summary["failed"]:
            assert f"<td>{code}</td>" in html
    else:
        assert "No failures." in html


async def test_a_policy_preview_does_not_change_the_figures(connected: Web) -> None:
    html, _summary = await run_now(connected)
    eligible = figure(html, "eligible")
    page = await connected.client.get("/policy")
    await connected.client.post(
        "/policy",
        data={
            "csrf_token": csrf_of(page.text),
            "_do": "preview-yaml",
            "yaml": (await _policy(connected)),
        },
    )
    after = (await connected.client.get("/")).text
    assert figure(after, "eligible") == eligible


async def _policy(web: Web) -> str:
    from component.reminders.policy import DEFAULT_POLICY_PATH

    return DEFAULT_POLICY_PATH.read_text(encoding="utf-8")


async def test_the_period_and_organisation_are_chosen_safely(connected: Web) -> None:
    for query in ("?days=7", "?days=9999", "?org=nope", "?days=%00"):
        response = await connected.client.get("/" + query)
        assert response.status_code == 200, query
    assert "last 7 days" in (await connected.client.get("/?days=7")).text


async def test_invoices_list_search_and_timeline(connected: Web) -> None:
    await run_now(connected)
    listing = (await connected.client.get("/invoices")).text
    numbers = re.findall(r'<a href="/invoices/([0-9a-f-]+)\?org=[^"]+">(INV-\d+)</a>', listing)
    assert numbers
    invoice_id, number = numbers[0]
    found = await connected.form_post("/invoices", {"q": number}, page="/invoices")
    assert re.findall(r">(INV-\d+)</a>", found.text) == [number]
    timeline = await connected.client.get(f"/invoices/{invoice_id}")
    assert timeline.status_code == 200
    assert f"Invoice {number}" in timeline.text
    assert "reminder sent" in timeline.text
    by_number = await connected.client.get(f"/invoices/{number}")
    assert by_number.status_code == 200


async def test_an_invoice_nothing_was_sent_about_is_a_404(connected: Web) -> None:
    response = await connected.client.get("/invoices/INV-9999")
    assert response.status_code == 404
    assert "Nothing was sent about invoice INV-9999" in response.text


async def test_a_second_start_while_a_run_goes_on_is_refused(
    connected: Web, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The first run is held just before its sends, so it is surely under way (recorded as
    running) when the second start comes: without the hold, a run quick enough to end between
    the two requests made the test depend on the machine's speed."""
    under_way, release = asyncio.Event(), asyncio.Event()
    plan_and_send = reminders_run._plan_and_send

    async def held(*args: Any, **kwargs: Any) -> None:
        under_way.set()
        await release.wait()
        await plan_and_send(*args, **kwargs)

    monkeypatch.setattr(reminders_run, "_plan_and_send", held)
    page = await connected.client.get("/")
    token = csrf_of(page.text)
    first = await connected.client.post("/reminders/run", data={"csrf_token": token})
    assert "Reminder run started" in first.text
    assert 'hx-trigger="every 2s"' in first.text  # the page follows the run
    await under_way.wait()
    second = await connected.client.post("/reminders/run", data={"csrf_token": token})
    assert "already going" in second.text
    release.set()
    await asyncio.gather(*connected.app.state.web.tasks)
    after = (await connected.client.get("/")).text
    assert 'hx-trigger="every 2s"' not in after
    assert len(connected.runtime.store.runs.list(job="reminders")) == 1


async def test_two_clicks_before_the_run_records_itself_start_one_run(
    connected: Web, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The run records itself only once its task runs, after the page has answered: the second
    click, made before that, is refused all the same, and the claim is given back when the run
    ends, so a later click starts the next run."""
    from component.web.pages import dashboard

    release = asyncio.Event()
    invoke = dashboard.invoke

    async def not_yet_recorded(*args: Any, **kwargs: Any) -> Any:
        await release.wait()
        return await invoke(*args, **kwargs)

    monkeypatch.setattr(dashboard, "invoke", not_yet_recorded)
    token = csrf_of((await connected.client.get("/")).text)
    first = await connected.client.post("/reminders/run", data={"csrf_token": token})
    second = await connected.client.post("/reminders/run", data={"csrf_token": token})
    assert "Reminder run started" in first.text
    assert "already going" in second.text
    assert connected.runtime.store.runs.list(job="reminders") == []  # not yet recorded
    release.set()
    await asyncio.gather(*connected.app.state.web.tasks)
    assert len(connected.runtime.store.runs.list(job="reminders")) == 1
    third = await connected.client.post("/reminders/run", data={"csrf_token": token})
    assert "Reminder run started" in third.text
    await asyncio.gather(*connected.app.state.web.tasks)
    assert len(connected.runtime.store.runs.list(job="reminders")) == 2


async def test_a_run_that_fails_gives_its_claim_back(
    connected: Web, monkeypatch: pytest.MonkeyPatch
) -> None:
    from component.web.pages import dashboard

    async def fails(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("boom")

    monkeypatch.setattr(dashboard, "invoke", fails)
    token = csrf_of((await connected.client.get("/")).text)
    first = await connected.client.post("/reminders/run", data={"csrf_token": token})
    assert "Reminder run started" in first.text
    await asyncio.gather(*connected.app.state.web.tasks, return_exceptions=True)
    assert connected.app.state.web.claimed == set()


async def test_eligible_counts_each_invoice_once_however_many_runs_found_it(
    connected: Web,
) -> None:
    """A second run the same day finds the first run's reminders already sent, and a customer
    without a usable number is withheld again every day: neither is counted twice."""
    html, summary = await run_now(connected)
    first = figure(html, "eligible")
    withheld = sum(int(summary["skipped"].get(r) or 0) for r in WITHHELD)
    assert first >= summary["sentInvoices"] + withheld
    assert withheld > 0  # the demo data has customers without a WhatsApp number
    again, second_summary = await run_now(connected)
    assert second_summary["sent"] == 0
    assert int(second_summary["skipped"]["already_sent"]) >= summary["sentInvoices"]
    assert figure(again, "eligible") == first
    connected.clock.advance(86_400)  # the next day: the same withheld invoices once more
    await connected.sign_in()  # the session has expired meanwhile
    later, _ = await run_now(connected)
    runs = connected.runtime.store.runs.list(job="reminders")
    assert len(runs) == 3
    summed = sum(o.count for r in runs for o in r.outcomes if o.outcome == "eligible")
    assert figure(later, "eligible") < summed  # what adding up the runs' counts would show
    assert figure(later, "eligible") == connected.runtime.store.eligibility.count(
        connected.clock.now() - timedelta(days=30),
        connected.clock.now() + timedelta(seconds=1),
        connected.sandbox.state.xero.demo_tenant_id,
    )
