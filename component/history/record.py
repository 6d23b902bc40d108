"""Recording job runs: started before the work, finished with its counts, even when it fails.

``recorded_run`` wraps a run::

    async with recorded_run(runtime, job="reminders", trigger="schedule", tenant_id=t) as run:
        report = await run_reminders(...)
        run.finish(report.to_json())

A run that raises is recorded ``failed`` with the error's message (never a traceback or a
secret); one that finished with failed sends, configuration errors or outcomes to review is
``attention``; otherwise ``ok``. ``run.id`` is known from the start, so a scheduler can name the
run in its slot and its owner summary.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from component import errors
from component.runtime import Runtime
from component.storage import runs as r

ALL_TENANTS = "*"


@dataclass(frozen=True)
class Scheduled:
    """The slot a scheduled invocation runs for, and the run id the scheduler chose for it."""

    slot: datetime
    run_id: str


#: Set by the scheduler around ``executor.invoke``: the handler records the run under this id.
SCHEDULED: ContextVar[Scheduled | None] = ContextVar("xero_wa_scheduled", default=None)


def new_run_id(now: datetime) -> str:
    return f"{now:%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:8]}"


def outcomes_of(summary: dict[str, Any]) -> list[r.Outcome]:
    """A reminder report's summary as rows of (outcome, reason, count)."""
    skipped = {str(k): int(v) for k, v in (summary.get("skipped") or {}).items()}
    failed = {str(k): int(v) for k, v in (summary.get("failed") or {}).items()}
    review = len(summary.get("needsReview") or [])
    sent_invoices = int(summary.get("sentInvoices") or 0) + int(summary.get("planned") or 0)
    found = [
        r.Outcome("sent", "", int(summary.get("sent") or 0)),
        r.Outcome(
            "eligible", "", sent_invoices + sum(skipped.values()) + sum(failed.values()) + review
        ),
        r.Outcome("review", "", review),
    ]
    found += [r.Outcome("skipped", reason, n) for reason, n in skipped.items()]
    found += [r.Outcome("failed", code, n) for code, n in failed.items()]
    for problem in summary.get("configurationErrors") or []:
        found.append(
            r.Outcome("configuration", str(problem.get("code")), int(problem.get("stopped") or 1))
        )
    return found


def state_of(summary: dict[str, Any]) -> str:
    attention = (
        summary.get("failed") or summary.get("configurationErrors") or summary.get("needsReview")
    )
    return r.ATTENTION if attention else r.OK


def errors_of(summary: dict[str, Any]) -> list[str]:
    found = [
        f"{p.get('code')}: {p.get('message')}" for p in summary.get("configurationErrors") or []
    ]
    found += [f"needs review: {key}" for key in summary.get("needsReview") or []]
    return found


@dataclass
class RecordedRun:
    runtime: Runtime
    id: str
    tenant_id: str
    summary: dict[str, Any] | None = field(default=None, repr=False)

    def finish(self, summary: dict[str, Any]) -> None:
        """The run's report (``Report.to_json()``/``summary()``): kept when the block exits."""
        self.summary = summary


@asynccontextmanager
async def recorded_run(
    runtime: Runtime,
    *,
    job: str,
    trigger: str,
    tenant_id: str | None,
    scheduled: Scheduled | None = None,
) -> AsyncIterator[RecordedRun]:
    store = runtime.store
    now = runtime.clock.now()
    slot = scheduled.slot if scheduled else None
    run_id = scheduled.run_id if scheduled else new_run_id(now)
    run = RecordedRun(runtime, run_id, tenant_id or ALL_TENANTS)
    await asyncio.to_thread(
        lambda: store.runs.start(
            run.id, tenant_id=run.tenant_id, job=job, trigger=trigger, now=now, slot=slot
        )
    )
    try:
        yield run
    except BaseException as exc:
        message = exc.message if isinstance(exc, errors.XeroWaError) else type(exc).__name__
        await asyncio.to_thread(
            lambda: store.runs.finish(
                run.id, state=r.FAILED, now=runtime.clock.now(), errors=[message]
            )
        )
        raise
    summary = run.summary or {}
    tenants = [t.get("tenantId") for t in summary.get("tenants") or [] if t.get("tenantId")]
    await asyncio.to_thread(
        lambda: store.runs.finish(
            run.id,
            state=state_of(summary),
            now=runtime.clock.now(),
            outcomes=outcomes_of(summary),
            xero_calls=int((summary.get("xeroCalls") or {}).get("total") or 0),
            errors=errors_of(summary),
            summary={k: v for k, v in summary.items() if k != "entries"},
            tenant_id=tenants[0] if len(tenants) == 1 else None,
        )
    )
