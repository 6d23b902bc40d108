"""``/``: the dashboard of one organisation.

What the owner wants to know at a glance, from the store only (no call to Xero or WhatsApp):
the funnel eligible → sent → delivered → read → paid within 7 and 30 days of a reminder, the
WhatsApp messages sent per day (an SVG chart), skips by reason, failures by Meta's code with the
fix in plain words, the next scheduled run, Xero calls used today against the day's budget, and
parked webhook events. The figures come from ``store.activity`` (``component/storage/activity.py``).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from starlette.responses import Response

from component.orgs.view import REMINDERS
from component.reminders.render import REASONS
from component.runtime import Runtime
from component.storage.activity import period
from component.storage.runs import RUNNING
from component.web import charts, orgs
from component.web.page import Page, choose
from component.web.runner import invoke

PERIODS = ("7", "30")


async def show(
    page: Page, *, notice: str = "", error: str = "", status: int = 200, follow: bool = False
) -> Response:
    runtime = page.web.runtime
    known = await page.db(orgs.organisations, runtime, page.web.org_defaults)
    org = orgs.pick(known, page.value("org"))
    days = choose(PERIODS, page.value("days"), "30")
    if org is None:
        return page.render(
            "dashboard.html",
            status,
            orgs=known,
            org=None,
            days=days,
            figures=None,
            notice=notice,
            error=error,
        )
    now = runtime.clock.now()
    figures = await page.db(_figures, runtime, org, int(days), now)
    figures["follow"] = follow
    return page.render(
        "dashboard.html",
        status,
        orgs=known,
        org=org,
        days=days,
        figures=figures,
        notice=notice,
        error=error,
    )


def _figures(runtime: Runtime, org: orgs.Org, days: int, now: datetime) -> dict[str, object]:
    activity = runtime.store.activity
    since, until = period(days, now)
    until += timedelta(seconds=1)  # the period ends now, inclusive: a send at this instant counts
    tenant = org.tenant_id
    per_day = {
        day: sum(kinds.values())
        for day, kinds in activity.daily_sends(since, until, tenant).items()
    }
    bars = charts.days(since.date() + timedelta(days=1), now.date(), per_day)
    today = datetime(now.year, now.month, now.day, tzinfo=UTC)
    skips = activity.skips_by_reason(since, until, tenant)
    latest = runtime.store.runs.list(tenant_id=tenant, job=REMINDERS, limit=1)
    return {
        "funnel": activity.funnel(since, until, tenant),
        "chart": charts.bar_chart(
            bars, f"WhatsApp messages sent per day, last {days} days", "sends"
        ),
        "bars": bars,
        "skips": [
            (REASONS.get(reason, reason.replace("_", " ")), n)
            for reason, n in sorted(skips.items(), key=lambda kv: -kv[1])
        ],
        "failures": activity.failures_by_code(since, until, tenant),
        "calls_today": activity.xero_calls_since(today, tenant),
        "budget": runtime.settings.xero_daily_call_budget,
        "parked": activity.parked_counts().get(tenant, 0),
        "next_run": org.next_run(now),
        "last_run": latest[0] if latest else None,
    }


async def run_now(page: Page) -> Response:
    """Start the reminders that are due now for the organisation, with its own policy.

    A run waits for Xero's rate limits (60 calls a minute) and paces WhatsApp, so it can take
    minutes: it runs in the background and is recorded like any run; the dashboard shows it and
    refreshes itself (with htmx) until it has finished.
    """
    runtime = page.web.runtime
    known = await page.db(orgs.organisations, runtime, page.web.org_defaults)
    org = orgs.pick(known, page.value("org"))
    if org is None:
        return page.redirect("/connections")
    key = f"reminders:{org.tenant_id}"
    if not page.web.claim(key):
        return await show(page, notice=_ALREADY_GOING)
    started = False
    try:
        if await page.db(_running, runtime, org.tenant_id):
            return await show(page, notice=_ALREADY_GOING)
        text = await page.db(orgs.policy_text, runtime, org)
        inputs = {"tenant": org.tenant_id, "policy": text}
        work = invoke(page.web.executor, "sendPaymentReminders", inputs, org)
        page.web.background(work, claim=key)
        started = True
    finally:
        if not started:
            page.web.claimed.discard(key)
    return await show(
        page, notice="Reminder run started: this page follows it until it ends.", follow=True
    )


_ALREADY_GOING = "A reminder run is already going; its figures appear below."


def _running(runtime: Runtime, tenant_id: str) -> bool:
    latest = runtime.store.runs.list(tenant_id=tenant_id, job=REMINDERS, limit=1)
    return bool(latest) and latest[0].state == RUNNING
