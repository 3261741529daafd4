"""Monthly reporting cycles (月报): pure date arithmetic shared by the roll-up and the reminders.

A plan has a reporting day D (1–28). The cycle that ends on the D-th of a
month starts the day after the previous month's D-th (or on the plan's first
day). A department "has reported this cycle" when it reported since the start
of the cycle of the latest reporting day that has come.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from functools import lru_cache


@dataclass(frozen=True)
class Cycle:
    start: datetime.date
    reporting_date: datetime.date


def _month_before(day: datetime.date) -> datetime.date:
    year, month = (day.year, day.month - 1) if day.month > 1 else (day.year - 1, 12)
    return day.replace(year=year, month=month)


def latest_reporting_date(today: datetime.date, *, reporting_day: int, plan_start: datetime.date) -> datetime.date | None:
    """The latest reporting day on or before `today` and after the plan began; None before the first."""
    candidate = today.replace(day=reporting_day)
    if candidate > today:
        candidate = _month_before(candidate)
    return candidate if candidate >= plan_start else None


@lru_cache(maxsize=256)  # asked once per item with the same three arguments
def current_cycle(today: datetime.date, *, reporting_day: int, plan_start: datetime.date) -> Cycle | None:
    """The cycle whose reporting day came last (it may have ended); None before the plan's first reporting day."""
    reporting_date = latest_reporting_date(today, reporting_day=reporting_day, plan_start=plan_start)
    if reporting_date is None:
        return None
    start = max(_month_before(reporting_date) + datetime.timedelta(days=1), plan_start)
    return Cycle(start=start, reporting_date=reporting_date)


def reported_in(cycle: Cycle | None, last_report_on: datetime.date | None) -> bool:
    """True when nothing is required yet (no cycle) or the last report falls in the cycle or later."""
    if cycle is None:
        return True
    return last_report_on is not None and last_report_on >= cycle.start
