"""Reporting cycles (月报, 季报, 半年报): pure date arithmetic shared by the roll-up and the reminders.

A plan has a reporting day D (1–28) and a cycle of 1, 3 or 6 months (an item may
have its own). Reporting days are the D-th of the cycle's closing months (every
month; March, June, September, December; June and December). A cycle ends on a
reporting day and starts the day after the previous one (or on the plan's first
day). A department "has reported this cycle" when it reported since the start of
the cycle of the latest reporting day that has come.
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


MONTHS = {"monthly": 1, "quarterly": 3, "half_yearly": 6}  # tasks.models.ReportingCycle -> months


def cycle_months(cycle: str | None) -> int:
    return MONTHS.get(cycle or "monthly", 1)


def _closing(day: datetime.date, months: int) -> bool:
    return day.month % months == 0


def latest_reporting_date(today: datetime.date, *, reporting_day: int, plan_start: datetime.date,
                          months: int = 1) -> datetime.date | None:
    """The latest reporting day on or before `today` and after the plan began; None before the first."""
    candidate = today.replace(day=reporting_day)
    if candidate > today:
        candidate = _month_before(candidate)
    while not _closing(candidate, months):
        candidate = _month_before(candidate)
    return candidate if candidate >= plan_start else None


@lru_cache(maxsize=256)  # asked once per item with the same arguments
def current_cycle(today: datetime.date, *, reporting_day: int, plan_start: datetime.date,
                  months: int = 1) -> Cycle | None:
    """The cycle whose reporting day came last (it may have ended); None before the plan's first reporting day."""
    reporting_date = latest_reporting_date(today, reporting_day=reporting_day, plan_start=plan_start, months=months)
    if reporting_date is None:
        return None
    previous = reporting_date
    for _ in range(months):
        previous = _month_before(previous)
    start = max(previous + datetime.timedelta(days=1), plan_start)
    return Cycle(start=start, reporting_date=reporting_date)


def reported_in(cycle: Cycle | None, last_report_on: datetime.date | None) -> bool:
    """True when nothing is required yet (no cycle) or the last report falls in the cycle or later."""
    if cycle is None:
        return True
    return last_report_on is not None and last_report_on >= cycle.start
