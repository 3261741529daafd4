"""The 督办 loop in a real browser at phone size, on 1 July 2020 (half-way through the plan's year):
批示 to two departments with a 时限 → answered from 我的工作 → confirmed 办结; one click chases the late
departments of section 三 and shows who read it; an extension is asked for, checked and approved; a
department reports 已完成 and the office closes it (销号); the item's history shows every step."""

import datetime
import zoneinfo

import pytest
import time_machine

from departments.demo import seed_demo_accounts
from departments.models import Department
from progress import services as progress_services
from supervision.models import ChaseTarget, Extension, Instruction
from tasks.models import WorkItem, WorkPlan
from tests.conftest import published_document
from tests.workers import wait_for

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MID_2020 = datetime.datetime(2020, 7, 1, 10, 0, tzinfo=zoneinfo.ZoneInfo("Asia/Shanghai"))


@pytest.fixture
def portal(live_server, settings, tmp_path):
    # The server (and its worker thread) live on 1 July 2020; the browser's CSRF cookie must not carry an
    # expiry date from 2021, which the browser (on the real clock) would drop at once.
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.CSRF_COOKIE_AGE = None
    with time_machine.travel(MID_2020, tick=True):
        published_document()
        seed_demo_accounts()
        progress_services.rollup_refresh(plan=WorkPlan.objects.get())
        yield live_server.url


def test_the_supervision_loop_on_a_phone(session, portal, screenshot_dir, redis_worker):
    item = WorkItem.objects.get(number=1)  # 办公室 leads, 组织基层部 co-organizes
    shots = screenshot_dir

    # 1. the leader writes a 批示 to both departments with a 时限
    leader = session("leader")
    leader.goto(f"{portal}/items/{item.pk}/")
    leader.click("details.instruction-new summary")
    leader.fill("#id_text", "请两部门于7月15日前报送培训班筹备情况。")
    responsible = [r.department_id for r in item.responsibilities.order_by("order")]
    assert leader.locator("input[name=departments]:checked").count() == len(responsible)  # chosen by default
    for department_id in responsible[2:]:
        leader.uncheck(f"input[name=departments][value='{department_id}']")
    leader.fill("#id_due_date", "2020-07-15")
    leader.click(".instruction-form button[type=submit]")
    leader.wait_for_selector(".messages")
    instruction = Instruction.objects.get()
    assert instruction.due_date == datetime.date(2020, 7, 15) and instruction.departments.count() == 2
    leader.screenshot(path=str(shots / "duban-1-instruction.png"), full_page=True)

    # 2. the head of 组织基层部 sees it in 我的工作 and replies
    head = session("d02-head")
    head.goto(f"{portal}/my/")
    assert "请两部门于7月15日前报送培训班筹备情况。" in head.inner_text("main")
    assert "2020-07-15" in head.inner_text("main")
    head.click(f"a[href$='#instruction-{instruction.pk}']")
    head.fill(f"#reply-{instruction.pk}", "已拟定培训方案，7月10日报送。")
    head.click(f"#instruction-{instruction.pk} .reply-form button[type=submit]")
    head.wait_for_selector(".messages")
    assert "已答复，待确认" in head.inner_text(f"#instruction-{instruction.pk}")

    # 3. the leader confirms 办结
    _open(leader, f"{portal}/items/{item.pk}/#instructions")
    leader.click(f"#instruction-{instruction.pk} button[value=close]")
    leader.wait_for_selector(".messages")
    assert "已办结" in leader.inner_text(f"#instruction-{instruction.pk}")

    # 4. the office chases the late departments of section 三 in one click and sees who read it
    duban = session("duban")
    section = item.section.plan.sections.get(number=3)
    duban.goto(f"{portal}/dashboard/sections/{section.pk}/")
    duban.click("a.chase-link")
    duban.wait_for_selector("form.form")
    chosen = duban.locator("input[name=departments]:checked").count()
    assert chosen >= 1
    duban.fill("#id_message", "请于7月5日前报送本板块事项进展。")
    duban.click("form.form button[type=submit]")
    duban.wait_for_selector("main")
    assert duban.locator(".chase-statuses").count(), duban.inner_text("main")[:1500]
    target = ChaseTarget.objects.select_related("department").order_by("pk").first()
    assert ChaseTarget.objects.count() == chosen
    assert "未读" in duban.inner_text(f".chase-status[data-department='{target.department.name}']")
    chased = session(_demo_username(target.department, "staff"))
    wait_for(lambda: chased.goto(f"{portal}/notifications/") and "催办" in chased.inner_text("main"),
             what="the chase to reach the department")
    chased.click("li.notification.unread button.title >> text=催办")
    chased.wait_for_selector("main")
    duban.reload()
    assert "已读" in duban.inner_text(f".chase-status[data-department='{target.department.name}']")
    duban.screenshot(path=str(shots / "duban-2-chase.png"), full_page=True)

    # 5. 办公室's head asks for more time; the office checks it and the leader approves it
    office_head = session("d01-head")
    office_head.goto(f"{portal}/items/{item.pk}/extensions/new/")
    office_head.fill("#id_new_due", "2021-03-31")
    office_head.fill("#id_reason", "受疫情影响，第二期培训班顺延至明年一季度。")
    office_head.click("form.form button[type=submit]")
    office_head.wait_for_selector(".messages")
    extension = Extension.objects.get()
    _open(duban, f"{portal}/items/{item.pk}/#supervision")
    duban.fill(f"#extension-comment-{extension.pk}", "情况属实，建议同意。")
    duban.click(f"#extension-{extension.pk} button[value=approve]")
    duban.wait_for_selector(".messages")
    _open(leader, f"{portal}/items/{item.pk}/#supervision")
    leader.click(f"#extension-{extension.pk} button[value=approve]")
    leader.wait_for_selector(".messages")
    item.refresh_from_db()
    assert item.due_date == datetime.date(2021, 3, 31) and item.original_due_date == datetime.date(2020, 12, 31)

    # 6. 办公室 reports 已完成, its head approves, and the office closes it (销号)
    staff = session("d01-staff")
    staff.goto(f"{portal}/items/{item.pk}/report/")
    staff.select_option("#id_status", "done")
    staff.fill("#id_percent", "100")
    staff.fill("#id_narrative", "两期培训班均已举办，参训260人。")
    staff.click("form.form button[type=submit]")
    staff.wait_for_selector("#reports")
    office_head.goto(f"{portal}/reviews/")
    office_head.click("button[value=approve]")
    office_head.wait_for_selector("main")
    _open(duban, f"{portal}/items/{item.pk}/#supervision")
    assert "待督查室审核销号" in duban.inner_text("#supervision")
    duban.click("#completion button[value=approve]")
    duban.wait_for_selector(".messages")
    item.refresh_from_db()
    assert item.closed_at is not None

    # 7. the item's history shows all of it
    history = duban.inner_text("#timeline")
    for words in ("请两部门于7月15日前报送培训班筹备情况。", "已拟定培训方案", "办结", "受疫情影响", "批准延期至 2021-03-31",
                  "审核销号"):
        assert words in history, words
    duban.screenshot(path=str(shots / "duban-3-item-history.png"), full_page=True)


def _open(page, url: str) -> None:
    # A page already at this address (after a redirect to it) only scrolls on goto: load it again.
    page.goto(url)
    page.reload()


def _demo_username(department, suffix: str) -> str:
    position = list(Department.objects.filter(is_active=True).order_by("order", "pk").values_list("pk", flat=True))
    return f"d{position.index(department.pk) + 1:02d}-{suffix}"
