"""The JSON shapes of ``xero-wa runs`` and ``xero-wa schedule`` (the web app shows the same)."""

from __future__ import annotations

from typing import Any

from component.orgs.defaults import OrgDefaults
from component.orgs.view import load_all
from component.runtime import Runtime
from component.scheduler.engine import next_runs
from component.storage.runs import RunRow


def run_json(row: RunRow, organisation: str | None) -> dict[str, Any]:
    by_outcome: dict[str, dict[str, int]] = {}
    for o in row.outcomes:
        if o.outcome in ("skipped", "failed", "configuration"):
            by_outcome.setdefault(o.outcome, {})[o.reason] = o.count
    return {
        "id": row.id,
        "tenantId": row.tenant_id,
        "organisation": organisation or ("several" if row.tenant_id == "*" else row.tenant_id),
        "job": row.job,
        "trigger": row.trigger,
        "slot": row.slot,
        "state": row.state,
        "startedAt": row.started_at,
        "finishedAt": row.finished_at,
        "counts": {
            "sent": row.sent,
            "skipped": row.skipped,
            "failed": row.failed,
            "needsReview": row.review,
        },
        "skippedByReason": by_outcome.get("skipped", {}),
        "failedByCode": by_outcome.get("failed", {}),
        "configurationErrors": by_outcome.get("configuration", {}),
        "xeroCalls": row.xero_calls,
        "errors": row.errors,
    }


def upcoming(runtime: Runtime, defaults: OrgDefaults) -> list[dict[str, Any]]:
    """Each organisation's next run of each job, with its local time."""
    now = runtime.clock.now()
    rows = []
    for item in next_runs(load_all(runtime, defaults), now):
        out = item.to_json()
        zone = item.org.schedule.zone
        if item.at is not None and zone is not None:
            out["local"] = item.at.astimezone(zone).strftime("%a %d %b %H:%M %Z")
        rows.append(out)
    return rows
