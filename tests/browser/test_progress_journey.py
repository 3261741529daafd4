"""The daily journey in a real browser: report with evidence, approve, instruct, answer."""

import pytest

from departments.demo import seed_demo_accounts
from progress.models import ProgressReport
from supervision.models import Instruction
from tasks.models import WorkItem
from tests.browser.conftest import wait_for_text
from tests.conftest import published_document

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def portal(live_server, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    published_document()
    seed_demo_accounts()
    return live_server.url


def test_report_approve_instruct_answer(session, portal, screenshot_dir, tmp_path, redis_worker):
    item = WorkItem.objects.get(number=1)  # 办公室 leads
    evidence = tmp_path / "学习培训班签到表.pdf"
    evidence.write_bytes(b"%PDF-1.4\n% sign-in sheet\n")

    # 1. staff of 办公室 opens my work and reports with an evidence file
    staff = session("d01-staff")
    staff.goto(f"{portal}/my/")
    assert "从未报送" in staff.inner_text(f"#mywork-{item.pk}-{item.responsibilities.get(role='lead').department_id}")
    staff.screenshot(path=str(screenshot_dir / "1-my-work.png"), full_page=True)
    staff.goto(f"{portal}/items/{item.pk}/report/")
    staff.select_option("#id_status", "in_progress")
    staff.fill("#id_percent", "45")
    staff.fill("#id_narrative", "已举办政策法规学习培训班一期，参训120人。")
    staff.set_input_files("#id_evidence", str(evidence))
    staff.screenshot(path=str(screenshot_dir / "2-report-form.png"), full_page=True)
    staff.click("form.form button[type=submit]")
    staff.wait_for_selector("#reports")
    assert "进度报告已报送" in staff.inner_text(".messages")
    assert "待审核" in staff.inner_text("#reports")

    # 2. the head approves it from the review queue
    head = session("d01-head")
    head.goto(f"{portal}/reviews/")
    head.screenshot(path=str(screenshot_dir / "3-review-queue.png"), full_page=True)
    head.fill("textarea[name=comment]", "同意，继续推进。")
    head.click("button[value=approve]")
    head.wait_for_selector("main")
    assert "没有待您审核的报告" in head.inner_text("main")
    report = ProgressReport.objects.get(item=item)
    assert report.state == "approved"

    # 3. a leader sees the official progress (recomputed by the worker within seconds) and writes an instruction
    leader = session("leader")
    wait_for_text(leader, f"{portal}/items/{item.pk}/", "article", "认定进度 45%")
    assert "数据更新于" in leader.inner_text("article")
    leader.click("details.instruction-new summary")
    leader.fill("#id_text", "请于6月底前完成第二期培训。")
    leader.click(".instruction-form button[type=submit]")
    leader.wait_for_selector(".messages")
    leader.screenshot(path=str(screenshot_dir / "4-item-with-instruction.png"), full_page=True)

    # 4. the staff member sees it on my work and answers it
    staff.goto(f"{portal}/my/")
    assert "请于6月底前完成第二期培训。" in staff.inner_text("main")
    staff.goto(f"{portal}/items/{item.pk}/#instructions")
    instruction = Instruction.objects.get()
    staff.fill(f"#reply-{instruction.pk}", "已排期，6月20日举办。")
    staff.click(f"#instruction-{instruction.pk} .reply-form button[type=submit]")
    staff.wait_for_selector(".messages")
    assert "已排期，6月20日举办。" in staff.inner_text("#instructions")
    assert "工作留痕" in staff.inner_text("#timeline")
    staff.screenshot(path=str(screenshot_dir / "5-item-answered.png"), full_page=True)

    # and the evidence downloads under its own name
    with staff.expect_download() as download:
        staff.click("#reports .evidence a")
    assert download.value.suggested_filename == "学习培训班签到表.pdf"


def test_bad_percent_shows_the_message_next_to_the_field(session, portal, screenshot_dir):
    item = WorkItem.objects.get(number=1)
    staff = session("d01-staff")
    staff.goto(f"{portal}/items/{item.pk}/report/")
    staff.fill("#id_percent", "151")
    staff.fill("#id_narrative", "测试")
    staff.click("form.form button[type=submit]")
    staff.wait_for_selector(".field-error")
    assert "小于或等于100" in staff.inner_text(".has-error")
    staff.screenshot(path=str(screenshot_dir / "6-field-error.png"), full_page=True)
    assert not ProgressReport.objects.exists()
