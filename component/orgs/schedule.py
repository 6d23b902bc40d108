"""An organisation's reminder schedule: a local time on some weekdays, in its Xero time zone.

Default: 10:00 on the policy's business days. A schedule must make sense under the policy: a day
that is not a business day, or a time inside the quiet hours, would produce runs that may send
nothing, so it is refused with the reason instead of accepted and silently idle.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from component.reminders.policy import WEEKDAYS, Policy, Weekday
from component.storage.organisations import OrgRow

DEFAULT_TIME = time(10, 0)


@dataclass(frozen=True)
class ReminderSchedule:
    at: time
    days: tuple[Weekday, ...]
    #: IANA name; None until the organisation's settings have been read from Xero.
    zone_name: str | None

    @property
    def zone(self) -> ZoneInfo | None:
        if self.zone_name is None:
            return None
        try:
            return ZoneInfo(self.zone_name)
        except (ZoneInfoNotFoundError, ValueError):
            return None

    def to_json(self) -> dict[str, object]:
        return {"at": f"{self.at:%H:%M}", "days": list(self.days), "timeZone": self.zone_name}


def parse_time(text: str) -> time:
    """``"10:00"`` → 10:00; ValueError with the reason otherwise."""
    hours, sep, minutes = text.strip().partition(":")
    if not sep or not hours.isdigit() or not minutes.isdigit() or len(minutes) != 2:
        raise ValueError(f"{text!r} is not a time of day (HH:MM)")
    try:
        return time(int(hours), int(minutes))
    except ValueError:
        raise ValueError(f"{text!r} is not a time of day (HH:MM)") from None


def parse_days(text: str) -> tuple[Weekday, ...]:
    """``"mon,tue"`` → ("mon", "tue"), in week order; ValueError naming the unknown day."""
    wanted = [d.strip().lower()[:3] for d in text.split(",") if d.strip()]
    unknown = [d for d in wanted if d not in WEEKDAYS]
    if unknown or not wanted:
        shown = ", ".join(unknown) or "nothing"
        raise ValueError(f"{shown}: expected days among {', '.join(WEEKDAYS)}")
    return tuple(d for d in WEEKDAYS if d in wanted)


def org_schedule(row: OrgRow, policy: Policy | None) -> ReminderSchedule:
    at = parse_time(row.remind_at) if row.remind_at else DEFAULT_TIME
    if row.days:
        days = tuple(d for d in WEEKDAYS if d in row.days)
    elif policy is not None:
        days = tuple(d for d in WEEKDAYS if d in policy.business_days)
    else:
        days = WEEKDAYS[:5]
    return ReminderSchedule(at, days, row.time_zone)


def refusal(schedule: ReminderSchedule, policy: Policy) -> str | None:
    """Why ``schedule`` cannot work under ``policy`` (None when it can)."""
    off = [d for d in schedule.days if d not in policy.business_days]
    if off:
        verb = "is not a business day" if len(off) == 1 else "are not business days"
        return (
            f"{', '.join(off)} {verb} in the reminder policy "
            f"(business days: {', '.join(policy.business_days)}): nothing would be sent"
        )
    quiet = policy.quiet_hours
    if quiet is not None and quiet.contains(schedule.at):
        return (
            f"{schedule.at:%H:%M} is inside the policy's quiet hours "
            f"({quiet.start:%H:%M}–{quiet.end:%H:%M}): nothing would be sent"
        )
    return None
