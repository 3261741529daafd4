"""Dates as plans count them."""

from __future__ import annotations

import datetime

from django.utils import timezone


def shift_year(day: datetime.date | None, years: int) -> datetime.date | None:
    """The same day `years` later (or earlier); 29 February becomes 28 February in a common year."""
    if day is None:
        return None
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def local_date(moment: datetime.datetime | None) -> datetime.date | None:
    """The calendar day of a stored moment in the portal's time zone (Asia/Shanghai), not UTC's."""
    return timezone.localtime(moment).date() if moment else None


def local_dates():
    """`local_date` for a loop over many stored moments: the time zone is looked up once, not once a row."""
    zone = timezone.get_current_timezone()

    def day(moment: datetime.datetime | None) -> datetime.date | None:
        return moment.astimezone(zone).date() if moment else None

    return day
