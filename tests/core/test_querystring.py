"""Numbers and dates from a query string: what is not one reads as "not given"."""

import datetime

import pytest

from core.querystring import date_param, int_param


@pytest.mark.parametrize("written, read", [("2020", 2020), ("1", 1), ("0042", 42)])
def test_ascii_digits_are_a_number(written, read):
    assert int_param(written) == read


@pytest.mark.parametrize("written", ["²", "①", "٢٠٢٠", "２０２０", "-1", "0", "1.5", " 7", "1e3", "", None,
                                     "9" * 30, str(2**31)])
def test_anything_else_is_not_given(written):
    # "²".isdigit() is true and int("²") fails; thirty digits overflow the database's integer.
    assert int_param(written) is None


def test_a_date_is_a_real_calendar_day():
    assert date_param("2020-06-30") == datetime.date(2020, 6, 30)
    assert date_param("2020-02-30") is None  # well formed, not a day: parse_date raises
    assert date_param("²⁰²⁰-01-01") is None
    assert date_param("") is None and date_param(None) is None
