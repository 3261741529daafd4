"""A leader opens the dashboard in a real browser: six cards, charts drawn, nothing fetched from outside."""

import datetime
from urllib.parse import urlparse

import pytest

from departments.demo import seed_demo_accounts
from progress import services as progress_services
from tasks.models import WorkItem
from tests.conftest import published_document
from tests.factories import submit_report

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def portal(live_server):
    plan = published_document().plan
    seed_demo_accounts()
    from django.contrib.auth import get_user_model

    admin = get_user_model().objects.get(username="admin")
    for n, item in enumerate(WorkItem.objects.filter(section__plan=plan).order_by("number")):
        lead = item.responsibilities.get(role="lead").department
        report = submit_report(
            item=item, department=lead, reporter=admin, status=["in_progress", "done", "delayed"][n % 3],
            percent=[40, 100, 10][n % 3], narrative="演示进度。",
        )
        # reported by the admin on the department's behalf, approved by its head (nobody approves their own)
        head = lead.memberships.filter(role="head").select_related("user").first().user
        progress_services.report_approve(report=report, reviewer=head)
    for day in (datetime.date(2020, 6, 1), datetime.date(2020, 6, 15)):
        progress_services.rollup_refresh(plan=plan, today=day)
        progress_services.snapshot_take(day=day, plan=plan)
    progress_services.rollup_refresh(plan=plan, today=datetime.date(2020, 7, 1))
    return live_server.url


def test_leader_sees_six_cards_and_drawn_charts(session, portal, screenshot_dir):
    page = session("leader", phone=False)
    errors, outside, csp = [], [], []
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    page.on("console", lambda message: "Content Security Policy" in message.text and csp.append(message.text))
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("request", lambda request: urlparse(request.url).hostname not in ("localhost", "127.0.0.1")
            and outside.append(request.url))

    page.goto(f"{portal}/dashboard/")
    page.wait_for_selector("#trend-chart canvas")

    assert page.locator("article.section-card").count() == 6
    assert page.locator(".sparkline canvas").count() == 6
    assert "市总工会2020年工作要点" in page.inner_text("h1")
    page.screenshot(path=str(screenshot_dir / "dashboard-leader.png"), full_page=True)
    # the trend chart's tooltip is drawn on the canvas: ECharts' HTML tooltip needs style attributes
    page.evaluate("""() => echarts.getInstanceByDom(document.getElementById("trend-chart"))
                      .dispatchAction({type: "showTip", seriesIndex: 0, dataIndex: 1})""")
    page.evaluate("() => new Promise(requestAnimationFrame)")
    assert not csp, csp
    assert not errors, errors
    assert not outside, outside

    page.click("#card-3 h2 a")
    page.wait_for_selector("table.items-table")
    assert page.locator("table.items-table tbody tr").count() == 5  # items 6–10
