"""Numbers and dates read from a page's query string (`?year=`, `?plan=`, `?department=`, `?from=`).

A query string is whatever a visitor typed: a value that is not what the page asks for reads
as "not given" (None), never as a 500. `str.isdigit()` is no test for this: it is true for "²"
and "①", which `int()` refuses, and a run of thirty digits overflows the database's integer.
"""

from __future__ import annotations

import datetime
import re

from django.utils.dateparse import parse_date

_ASCII_DIGITS = re.compile(r"[0-9]{1,18}")
# The largest value a positive integer column holds on every database we run (PostgreSQL's integer).
MAX_INT = 2**31 - 1


def int_param(value: str | None, *, max_value: int = MAX_INT) -> int | None:
    """A positive whole number written in ASCII digits, at most `max_value`; None for anything else."""
    if value is None or not _ASCII_DIGITS.fullmatch(value):
        return None
    number = int(value)
    return number if 0 < number <= max_value else None


def date_param(value: str | None) -> datetime.date | None:
    """A date written YYYY-MM-DD that exists on the calendar; None for anything else (2020-02-30 too)."""
    try:
        return parse_date(value or "")
    except ValueError:
        return None
