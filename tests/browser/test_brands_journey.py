"""The brands in a real browser: the demo board, a milestone reported on a phone, approved, seen by leadership."""

import pytest

from brands.models import Brand, MilestoneReport

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def portal(brands_demo_portal):
    return brands_demo_portal


def test_milestone_reported_approved_and_shown_on_the_brands_page(session, portal, screenshot_dir):
    brand = Brand.objects.get(name="工会助力脱贫攻坚")  # owned by 办公室 (d01); demo: first milestone done
    assert brand.owner.name == "办公室"

    # 1. staff of 办公室 finds the brands from section six of the plan page, on a phone
    staff = session("d01-staff")
    staff.goto(f"{portal}/")
    staff.click("#section-6 .brands-link a")
    staff.wait_for_selector(".brand-grid")
    assert staff.locator(".brand-card").count() == 5
    assert "33.3%" in staff.inner_text(f"#brand-{brand.pk}")  # 1 of 3 milestones done
    staff.screenshot(path=str(screenshot_dir / "brands-1-board-phone.png"), full_page=True)

    # 2. they report the next milestone half done
    staff.click(f"#brand-{brand.pk} h2 a")
    staff.wait_for_selector("#report form")
    staff.select_option("#id_status", "in_progress")
    staff.fill("#id_percent", "50")
    staff.fill("#id_narrative", "已在两个县开展消费扶贫活动，市级品牌申报材料已起草。")
    staff.screenshot(path=str(screenshot_dir / "brands-2-milestone-form.png"), full_page=True)
    staff.click("#report button[type=submit]")
    staff.wait_for_selector(".messages")
    report = MilestoneReport.objects.select_related("report", "milestone").get(report__reporter__username="d01-staff",
                                                                               report__state="submitted")
    assert (report.milestone.order, report.percent) == (2, 50)

    # 3. the head approves it in the usual review queue
    head = session("d01-head")
    head.goto(f"{portal}/reviews/")
    assert "消费扶贫" in head.inner_text(f"#report-{report.report_id}")
    head.click(f"#report-{report.report_id} button[value=approve]")
    head.wait_for_selector("main")
    report.milestone.refresh_from_db()
    assert report.milestone.percent == 50

    # 4. leadership sees the five brands side by side, with the new progress, on a desktop
    leader = session("leader", phone=False)
    leader.goto(f"{portal}/brands/")
    leader.wait_for_selector(".gantt")
    assert "50%" in leader.inner_text(f"#brand-{brand.pk}")  # (100 + 50 + 0) / 3
    assert leader.locator(".gantt-row .gantt-bar").count() == 5
    leader.screenshot(path=str(screenshot_dir / "brands-3-board.png"), full_page=True)
    leader.goto(f"{portal}{brand.get_absolute_url()}")
    leader.screenshot(path=str(screenshot_dir / "brands-4-brand.png"), full_page=True)
