"""A contact's reply pause as the reminder job sees it on a given day.

Active (``until`` not passed): every reminder of the contact is skipped with the reason ("replied
on 2026-12-01: paused until 2026-12-08"). A passed promise ("Need more time", a date given) whose
invoices are still unpaid: those invoices get their current stage once more, the day after the
date plus the grace (``plan.ContactPause.repeat``); a paid invoice is no candidate any more.
"""

from __future__ import annotations

from datetime import date

from component.reminders.plan import NO_PAUSE, ContactPause
from component.runtime import Runtime
from component.storage.events import stamp

WHY = {
    "reply": "replied",
    "paid": "says it is paid",
    "asking_date": "asked for more time",
    "promise": "promised to pay by",
}


def contact_pause(runtime: Runtime, tenant_id: str, contact_id: str, as_of: date) -> ContactPause:
    pause = runtime.store.replies.pause_of(tenant_id, contact_id)
    if pause is None:
        return NO_PAUSE
    # Paused while ``until`` has not passed, now and on the run's day (``remind --as-of`` a
    # later day plans as that day would).
    day_start = f"{as_of.isoformat()}T00:00:00.000000Z"
    if pause.until > max(stamp(runtime.clock.now()), day_start):
        what = WHY.get(pause.kind, pause.kind)
        detail = f" {pause.promise_date}" if pause.kind == "promise" else ""
        return ContactPause(reason=f"customer {what}{detail}: paused until {pause.until[:10]}")
    if (
        pause.kind == "promise"
        and pause.promise_date
        and as_of > date.fromisoformat(pause.promise_date)
    ):
        invoices = frozenset(i.lower() for i in pause.invoice_ids)
        return ContactPause(invoices=invoices, repeat=f"after-promise-{pause.promise_date}")
    return NO_PAUSE
