"""Which reminder stage an invoice is at on a given day.

The rule users expect from a reminder ladder: on each run an invoice gets the **latest** stage it
has reached, if that stage was not sent yet. Earlier stages that were missed (the job did not
run that week, it was a holiday, the number was fixed only later) are not sent late: a customer
14 days overdue gets the 14-day reminder, not the 1-day and 7-day ones as well.

Days count whole calendar days in the organisation's time zone: an invoice due on 7 July is 1
day overdue on 8 July and -3 days "overdue" (due in three days) on 4 July.
"""

from __future__ import annotations

from datetime import date, timedelta

from component.reminders.policy import Policy, Stage


def days_from_due(due: date, as_of: date) -> int:
    """Whole days after the due date (negative before it)."""
    return (as_of - due).days


def reached_stage(policy: Policy, due: date, as_of: date) -> Stage | None:
    """The latest stage whose day has come, or None when none has yet."""
    days = days_from_due(due, as_of)
    reached = None
    for stage in policy.stages:  # sorted by days
        if stage.days <= days:
            reached = stage
    return reached


def latest_due_date(policy: Policy, as_of: date) -> date:
    """Invoices due on or before this day have reached at least the earliest stage.

    With a "due soon" stage 3 days before the due date, invoices due up to three days after
    ``as_of`` are candidates; without one, only those already overdue.
    """
    return as_of - timedelta(days=policy.earliest_days)


def too_old(policy: Policy, due: date, as_of: date) -> bool:
    """Past ``stopAfterDays``: reminders end (the debt is for collections, not WhatsApp)."""
    limit = policy.stop_after_days
    return limit is not None and days_from_due(due, as_of) > limit


def earliest_due_date(policy: Policy, as_of: date) -> date | None:
    """Invoices due before this day are past ``stopAfterDays`` (None: no lower bound)."""
    if policy.stop_after_days is None:
        return None
    return as_of - timedelta(days=policy.stop_after_days)
