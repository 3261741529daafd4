"""Approve a report and see it on the leader's dashboard at once: a real worker recomputes after commit."""

import datetime

import pytest
from django.contrib.auth import get_user_model

from departments.demo import seed_demo_accounts
from progress import services as progress_services
from tasks.models import WorkItem
from tests.browser.conftest import wait_for_text
from tests.conftest import published_document
from tests.factories import submit_report

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def portal(live_server):
    plan = published_document().plan
    seed_demo_accounts()
    progress_services.rollup_refresh(plan=plan)
    return live_server.url


def test_an_approval_shows_on_the_dashboard_within_seconds(session, portal, redis_worker, screenshot_dir):
    # given a report of 办公室 on item 1 at 80%, awaiting its head, and the leader watching today's dashboard
    item = WorkItem.objects.get(number=1)
    staff = get_user_model().objects.get(username="d01-staff")
    submit_report(item=item, department=item.responsibilities.get(role="lead").department, reporter=staff,
                  percent=80, narrative="两期培训班已举办。")
    leader = session("leader", phone=False)
    today = datetime.date.today().isoformat()
    url = f"{portal}/dashboard/?as_of={today}"
    leader.goto(url)
    before = leader.inner_text("#card-1")
    assert "0%" in before

    # when the head approves it in the review queue
    head = session("d01-head")
    head.goto(f"{portal}/reviews/")
    head.click("button[value=approve]")
    head.wait_for_selector("main")

    # then the leader's dashboard shows it on the next look, without waiting for the 15-minute job
    shown = wait_for_text(leader, url, "#card-1", "40%")  # section 一: items 1 (80%) and 2 (0%)
    assert "数据更新于" in leader.inner_text(".dash-head")
    leader.screenshot(path=str(screenshot_dir / "dashboard-after-approval.png"), full_page=True)
    assert shown != before
