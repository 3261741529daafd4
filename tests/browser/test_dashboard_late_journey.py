"""Who is late, by name, on the dashboard in a real browser at phone size, as the office's 督查 clerk
(duban), on 1 July 2020: the late items and departments are listed worst first, each a link; 一键催办 opens
its confirmation, sends the chase, and the list then says 已催办 with the day."""

import datetime
import zoneinfo

import pytest
import time_machine

from departments.demo import seed_demo_accounts
from progress import services as progress_services
from supervision.models import Chase
from tasks.models import WorkPlan
from tests.conftest import published_document

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MID_2020 = datetime.datetime(2020, 7, 1, 10, 0, tzinfo=zoneinfo.ZoneInfo("Asia/Shanghai"))


@pytest.fixture
def portal(live_server, settings):
    settings.CSRF_COOKIE_AGE = None  # the browser lives on the real clock (see test_supervision_journey)
    with time_machine.travel(MID_2020, tick=True):
        published_document()
        seed_demo_accounts()
        progress_services.rollup_refresh(plan=WorkPlan.objects.get())
        yield live_server.url


def test_the_office_chases_who_is_late_from_the_dashboard_on_a_phone(session, portal, screenshot_dir):
    page = session("duban")  # phone-sized
    page.goto(f"{portal}/dashboard/")
    board = page.locator("#late")
    board.wait_for()

    # the late items and departments are named, each a link to its page
    assert board.locator("table.late-items a[href^='/items/']").count() > 0
    assert board.locator("table.late-departments a[href^='/dashboard/departments/']").count() > 0
    # the phone shows the tables stacked: no sideways scrolling
    assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth + 1")

    # 一键催办 asks first: the confirmation opens with the message and the answer-by date
    confirm = board.locator("#late-chase button[type=submit]")
    assert not confirm.is_visible()
    board.locator("#late-chase summary").click()
    assert confirm.is_visible()
    board.screenshot(path=str(screenshot_dir / "dashboard-late-phone.png"))
    confirm.click()
    page.wait_for_load_state()

    # the chase went to every late department, and the list says 已催办 with the day
    chase = Chase.objects.get()
    assert chase.targets.count() == page.locator("#late table.late-departments tbody tr").count()
    chased = page.locator("#late td.chased").first.inner_text()
    assert "2020-07-01" in chased
    assert page.locator("#late-chase").count() == 0  # nobody left to chase today
    page.locator("#late").screenshot(path=str(screenshot_dir / "dashboard-late-phone-chased.png"))
