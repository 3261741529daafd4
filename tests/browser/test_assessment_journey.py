"""Year-end 考核 in a real browser on 10 December 2020, in the 自评 window: 办公室's staff write its 自评 on a
phone and its head approves and sends it; the office's 督查 gives a bonus with a reason; the leader signs the
score off; the ranking shows it signed and the 考核表 downloads."""

import datetime
import io
import zoneinfo

import pytest
import time_machine

from assessment import services
from assessment.models import DepartmentScore, ManualScore, Scheme, SelfAssessment
from departments.demo import seed_demo_accounts
from departments.models import Department
from tasks.models import Responsibility, WorkItem, WorkPlan
from tests.conftest import import_document

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DECEMBER = datetime.datetime(2020, 12, 10, 10, 0, tzinfo=zoneinfo.ZoneInfo("Asia/Shanghai"))


@pytest.fixture
def portal(live_server, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.CSRF_COOKIE_AGE = None  # see test_supervision_journey: the browser runs on the real clock
    with time_machine.travel(DECEMBER, tick=True):
        import_document()
        seed_demo_accounts()
        yield live_server.url


def test_a_department_sends_its_self_assessment_and_the_leader_signs_it_off(session, portal, screenshot_dir):
    plan = WorkPlan.objects.get()
    scheme = Scheme.objects.get(plan=plan)
    office = Department.objects.get(name="办公室")
    led = [r.item for r in Responsibility.objects.filter(department=office, role="lead").select_related("item")
           .order_by("item__number")]
    first, rest = led[0], led[1:]

    # 1. staff of 办公室 write the 自评 of the first item on a phone (the others were written before)
    sa = services.self_assessment_ensure(scheme=scheme, department=office)
    staff_user = office.memberships.filter(role="member").select_related("user").first().user
    for item in rest:
        services.entry_save(self_assessment=sa, item=item, user=staff_user, text=f"第{item.number}项：全年完成。")
    staff = session(staff_user.username)
    staff.goto(f"{portal}/assessment/self/")
    staff.fill(f"#id_i{first.pk}-text", "全年开展理论学习12次，覆盖干部职工300人次。")
    staff.click(f"#entry-{first.pk} button[type=submit]")
    staff.wait_for_selector(".messages")
    staff.click("#send form button.primary")  # put forward to the head
    staff.wait_for_selector(".messages")
    assert SelfAssessment.objects.get(pk=sa.pk).state == SelfAssessment.State.AWAITING_HEAD
    staff.screenshot(path=str(screenshot_dir / "assessment-1-self.png"), full_page=True)

    # 2. the head approves and sends it
    head = session("d01-head")
    head.goto(f"{portal}/assessment/self/")
    head.click("button[name=decision][value=send]")
    head.wait_for_selector(".messages")
    assert "已报送" in head.inner_text("#sa-state")
    assert SelfAssessment.objects.get(pk=sa.pk).state == SelfAssessment.State.SENT

    # 3. the office's 督查 gives a bonus with its reason
    duban = session("duban")
    duban.goto(f"{portal}/assessment/departments/{office.pk}/")
    duban.fill("#id_points", "2")
    duban.fill("#id_reason", "获全国工会系统先进集体表彰。")
    duban.click("#give-points button[type=submit]")
    duban.wait_for_selector(".messages")
    assert ManualScore.objects.filter(department=office, points=2).exists()
    assert "获全国工会系统先进集体表彰。" in duban.inner_text("#parts")

    # 4. the leader signs the score off (desktop), and it is frozen
    leader = session("leader", phone=False)
    leader.goto(f"{portal}/assessment/departments/{office.pk}/")
    total = leader.inner_text("#score-total")
    leader.click(".sign-off button[type=submit]")
    leader.wait_for_selector(".messages")
    score = DepartmentScore.objects.get(department=office)
    assert score.is_signed and str(score.total) == total
    assert "已签批" in leader.inner_text("main")
    leader.screenshot(path=str(screenshot_dir / "assessment-2-signed.png"), full_page=True)

    # 5. the ranking shows it signed, and the 考核表 downloads
    leader.goto(f"{portal}/assessment/")
    assert "已签批" in leader.inner_text("#ranking")
    with leader.expect_download() as download:
        leader.click("a[href*='kaohe.xlsx']")
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(open(download.value.path(), "rb").read()))
    assert book.worksheets[0].cell(row=2, column=1).value == "排名"
    assert len(book.sheetnames) > 5
    leader.screenshot(path=str(screenshot_dir / "assessment-3-ranking.png"), full_page=True)
    assert WorkItem.objects.filter(pk=first.pk).exists()
