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

from component import errors
from component.reminders.render import REASONS
from component.storage.activity import period
from component.web import charts, orgs
from component.web.page import Page, choose
from component.web.runner import invoke

PERIODS = ("7", "30")


async def show(page: Page, *, notice: str = "", error: str = "", status: int = 200) -> Response:
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


def _figures(runtime: object, org: orgs.Org, days: int, now: datetime) -> dict[str, object]:
    from component.runtime import Runtime

    assert isinstance(runtime, Runtime)
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
    }


async def run_now(page: Page) -> Response:
    """Send the reminders that are due now for the organisation, with its own policy."""
    runtime = page.web.runtime
    known = await page.db(orgs.organisations, runtime, page.web.org_defaults)
    org = orgs.pick(known, page.value("org"))
    if org is None:
        return page.redirect("/connections")
    text = await page.db(orgs.policy_text, runtime, org)
    inputs = {"tenant": org.tenant_id, "policy": text}
    try:
        result = await invoke(page.web.executor, "sendPaymentReminders", inputs, org)
    except errors.XeroWaError as exc:
        return await show(page, error=exc.message, status=exc.http_status)
    report = result.get("data") or {}
    skipped = sum((report.get("skipped") or {}).values())
    failed = sum((report.get("failed") or {}).values())
    notice = (
        f"Reminder run {report.get('runId')}: {report.get('sent', 0)} sent, "
        f"{skipped} not due or skipped, {failed} failed."
    )
    return await show(page, notice=notice)
