"""One year shift for plans and brands copied into next year."""

import datetime

from core.dates import local_date, shift_year


def test_a_day_moves_by_whole_years():
    assert shift_year(datetime.date(2020, 6, 30), 1) == datetime.date(2021, 6, 30)
    assert shift_year(datetime.date(2021, 3, 31), -1) == datetime.date(2020, 3, 31)


def test_29_february_becomes_28_february_in_a_common_year():
    assert shift_year(datetime.date(2020, 2, 29), 1) == datetime.date(2021, 2, 28)
    assert shift_year(datetime.date(2020, 2, 29), 4) == datetime.date(2024, 2, 29)


def test_no_date_stays_no_date():
    assert shift_year(None, 1) is None


def test_a_moment_late_in_the_utc_evening_is_the_next_day_in_shanghai():
    moment = datetime.datetime(2020, 6, 30, 17, 0, tzinfo=datetime.timezone.utc)  # 01:00 on 1 July in Shanghai
    assert local_date(moment) == datetime.date(2020, 7, 1)
    assert local_date(None) is None
