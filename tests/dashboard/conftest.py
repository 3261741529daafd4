import datetime
import zoneinfo

import pytest
import time_machine

# The dashboard tests live on 1 July 2020, half-way through the 2020 plan: what is reported is
# reported during the plan's year, and "today's" figures are today's.
MID_2020 = datetime.datetime(2020, 7, 1, 10, 0, tzinfo=zoneinfo.ZoneInfo("Asia/Shanghai"))


@pytest.fixture(autouse=True)
def mid_2020():
    with time_machine.travel(MID_2020, tick=True):
        yield
