"""Checkpoints (节点) in a real browser at phone size (390×844), on 1 July 2020: the office (督查) gives two
items of section 三 quarterly checkpoints in one action, edits one on the item page, and a staff member of
the lead department files a report answering it; the item page shows the report and, once approved, the
checkpoint met."""

import datetime
import zoneinfo

import pytest
import time_machine

from departments.demo import seed_demo_accounts
from departments.models import Department
from progress import services as progress_services
from progress.models import ProgressReport
from tasks.models import Checkpoint, WorkPlan

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MID_2020 = datetime.datetime(2020, 7, 1, 10, 0, tzinfo=zoneinfo.ZoneInfo("Asia/Shanghai"))
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def portal(live_server, settings, tmp_path):
    from tests.conftest import published_document

    settings.MEDIA_ROOT = tmp_path / "media"
    settings.CSRF_COOKIE_AGE = None  # the browser runs on the real clock (see the supervision journey)
    with time_machine.travel(MID_2020, tick=True):
        published_document()  # a draft takes no reports
        seed_demo_accounts()
        yield live_server.url


@pytest.fixture
def phone(open_as):
    return lambda username: open_as(username, size={"viewport": PHONE, "is_mobile": True})


def _staff_of(department) -> str:
    position = list(Department.objects.filter(is_active=True).order_by("order", "pk")).index(department) + 1
    return f"d{position:02d}-staff"


def test_quarterly_checkpoints_an_edit_and_a_report_answering_it(phone, portal, screenshot_dir):
    plan = WorkPlan.objects.get()
    first, second = plan.sections.get(number=3).items.order_by("number")[:2]

    # 1. the office ticks two items of section 三 and creates their quarterly checkpoints
    duban = phone("duban")
    duban.goto(f"{portal}/manage/plans/{plan.pk}/checkpoints/")
    duban.check(f"#pick-{first.pk}")
    duban.check(f"#pick-{second.pk}")
    duban.click("#create-quarterly")
    duban.wait_for_selector(".messages")
    assert Checkpoint.objects.filter(item__in=[first, second]).count() == 8
    assert "8" in duban.inner_text(".messages")
    duban.screenshot(path=str(screenshot_dir / "checkpoints-1-quarterly.png"), full_page=True)

    # 2. on the first item's page it edits the September checkpoint
    september = Checkpoint.objects.get(item=first, due_date=datetime.date(2020, 9, 30))
    duban.goto(f"{portal}/items/{first.pk}/#checkpoints")
    duban.click(f"#checkpoint-{september.pk} a.button")
    duban.fill("#id_title", "完成阵地建设验收")
    duban.fill("#id_expected_percent", "70")
    duban.click("form.form button[type=submit]")
    duban.wait_for_selector(".messages")
    assert "完成阵地建设验收" in duban.inner_text(f"#checkpoint-{september.pk}")
    assert "完成阵地建设验收" in duban.inner_text("#timeline")

    # 3. a staff member of the lead department reports, answering that checkpoint
    lead = first.responsibilities.get(role="lead").department
    staff = phone(_staff_of(lead))
    staff.goto(f"{portal}/items/{first.pk}/report/")
    staff.select_option("#id_checkpoint", str(september.pk))
    staff.select_option("#id_status", "in_progress")
    staff.fill("#id_percent", "70")
    staff.fill("#id_narrative", "阵地建设已完成七成，九月底前验收。")
    staff.click("form.form button[type=submit]")
    staff.wait_for_selector(".messages")
    report = ProgressReport.objects.get()
    assert report.checkpoint_id == september.pk
    assert "完成阵地建设验收" in staff.inner_text(f"#report-{report.pk}")

    # 4. once its head approves, the item page shows the checkpoint met
    head = type(report.reporter).objects.get(username=_staff_of(lead).replace("staff", "head"))
    progress_services.report_approve(report=report, reviewer=head)
    staff.reload()  # the same address as after the report: a reload, not a fragment change
    assert "met" in staff.get_attribute(f"#checkpoint-{september.pk}", "class")
    staff.screenshot(path=str(screenshot_dir / "checkpoints-2-answered.png"), full_page=True)
