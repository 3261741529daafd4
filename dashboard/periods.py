"""The periods bulletins are written for (月报, 季报, 半年, 全年): pure date arithmetic."""

from __future__ import annotations

import calendar
import datetime
from dataclasses import dataclass

from django.utils.translation import gettext as _


@dataclass(frozen=True)
class Period:
    label: str
    start: datetime.date
    end: datetime.date


def _month_end(year: int, month: int) -> datetime.date:
    return datetime.date(year, month, calendar.monthrange(year, month)[1])


def presets(*, year: int, day: datetime.date) -> list[Period]:
    """The month, quarter, half-year and year (to date) of the plan's year that contain `day`."""
    day = min(max(day, datetime.date(year, 1, 1)), datetime.date(year, 12, 31))
    quarter = (day.month - 1) // 3 + 1
    half = 1 if day.month <= 6 else 2
    words = {"year": year, "month": day.month, "quarter": quarter}
    return [
        Period(_("%(year)d-%(month)02d (month)") % words, day.replace(day=1), min(day, _month_end(year, day.month))),
        Period(_("Q%(quarter)d %(year)d") % words, datetime.date(year, 3 * quarter - 2, 1), day),
        Period(_("first half of %(year)d") % words if half == 1 else _("second half of %(year)d") % words,
               datetime.date(year, 1 if half == 1 else 7, 1), day),
        Period(_("%(year)d to date") % words if day < datetime.date(year, 12, 31) else _("the whole of %(year)d") % words,
               datetime.date(year, 1, 1), day),
    ]
