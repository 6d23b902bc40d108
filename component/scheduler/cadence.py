"""When a periodic job's slots fall: a local time on some weekdays, or every N seconds.

A *slot* is an instant (aware, UTC) at which a job is due. ``latest(now)`` is the newest slot at
or before ``now``; ``after(moment)`` is the first slot after ``moment``. Both are pure functions
of the clock reading and the settings, so every process sharing a store computes the same slots,
and the store decides which of them runs each one.

Local times are wall-clock times in the organisation's zone: 10:00 in Auckland is 10:00 there in
summer and in winter. On the day a clock change skips the time (02:30 on a spring-forward day),
the slot falls at the same wall time as Python's ``zoneinfo`` resolves it (fold 0), i.e. once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class Cadence(Protocol):
    def latest(self, now: datetime) -> datetime | None: ...

    def after(self, moment: datetime) -> datetime | None: ...

    def describe(self) -> str: ...


@dataclass(frozen=True)
class Daily:
    """At ``at`` local time on ``days`` (``"mon"`` … ``"sun"``) in ``zone``."""

    at: time
    days: tuple[str, ...]
    zone: ZoneInfo

    def _slot(self, day: date) -> datetime:
        return datetime.combine(day, self.at, tzinfo=self.zone).astimezone(UTC)

    def _candidates(self, around: datetime, direction: int) -> list[datetime]:
        local_day = around.astimezone(self.zone).date()
        return [
            self._slot(local_day + timedelta(days=direction * offset))
            for offset in range(-1, 9)
            if WEEKDAYS[(local_day + timedelta(days=direction * offset)).weekday()] in self.days
        ]

    def latest(self, now: datetime) -> datetime | None:
        found = [slot for slot in self._candidates(now, -1) if slot <= now]
        return max(found) if found else None

    def after(self, moment: datetime) -> datetime | None:
        found = [slot for slot in self._candidates(moment, 1) if slot > moment]
        return min(found) if found else None

    def describe(self) -> str:
        return f"{self.at:%H:%M} {self.zone.key} on {','.join(self.days)}"


@dataclass(frozen=True)
class Every:
    """Every ``seconds``, aligned on the Unix epoch (so every process agrees on the slots)."""

    seconds: float

    def latest(self, now: datetime) -> datetime | None:
        ticks = int(now.timestamp() // self.seconds)
        return datetime.fromtimestamp(ticks * self.seconds, UTC)

    def after(self, moment: datetime) -> datetime | None:
        latest = self.latest(moment)
        assert latest is not None
        return latest + timedelta(seconds=self.seconds)

    def describe(self) -> str:
        return f"every {self.seconds:g} s"
