"""The leadership dashboard, drill-downs, department view and bulletins, read from the roll-up."""

import datetime
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from departments.models import Department
from tasks import jobs, services
from tasks.models import ItemRollup, WorkItem
from tasks.services import plan_import_document
from tests.documents import synthetic_plan_text

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2020, 7, 1)


@pytest.fixture
def rolled_up(plan_2020, roles):
    """Item 1 reported delayed (滞后) and approved; roll-up and two daily snapshots stored."""
    item = WorkItem.objects.get(section__plan=plan_2020, number=1)
    report = services.report_submit(
        item=item, department=Department.objects.get(name="办公室"), reporter=roles.staff, status="delayed",
        percent=20, narrative="受疫情影响，培训班推迟。", readings={}, evidence=[], base_version=item.version,
    )
    services.report_approve(report=report, reviewer=roles.head)
    services.instruction_create(item=item, author=roles.leader, text="请尽快恢复培训。")
    jobs.snapshot_take(day=TODAY - datetime.timedelta(days=1), plan=plan_2020)
    jobs.rollup_refresh(plan=plan_2020, today=TODAY)
    jobs.snapshot_take(day=TODAY, plan=plan_2020)
    return plan_2020


def test_dashboard_shows_six_section_cards_in_document_order(client, roles, rolled_up):
    client.force_login(roles.leader)
    response = client.get(reverse("tasks:dashboard"))
    assert response.status_code == 200
    cards = response.context["data"].cards
    assert [c.section.numeral for c in cards] == list("一二三四五六")
    page = response.content.decode()
    assert "突出思想政治引领，引导广大职工听党话跟党走" in page
    assert cards[0].rollup.items_red == 1  # item 1, reported 滞后
    assert "办公室" in cards[0].departments
    assert response.context["data"].rollup.items_red == 1
    assert "vendor/echarts/echarts.min.js" in page
    assert "cdn" not in page.lower()


def test_section_page_filters_by_light(client, roles, rolled_up):
    client.force_login(roles.leader)
    section = rolled_up.sections.get(number=1)
    response = client.get(reverse("tasks:section-dashboard", args=[section.pk]) + "?light=red")
    items = response.context["items"]
    assert [i.number for i in items] == [1]
    assert "受疫情影响" in response.content.decode()
    everything = client.get(reverse("tasks:section-dashboard", args=[section.pk])).context["items"]
    assert [i.number for i in everything] == [1, 2]


def test_staff_see_their_department_only(client, roles, rolled_up):
    office = Department.objects.get(name="办公室")
    client.force_login(roles.staff)
    assert client.get(reverse("tasks:dashboard")).status_code == 403
    response = client.get(reverse("tasks:department-dashboard", args=[office.pk]))
    assert response.status_code == 200
    numbers = [i.number for i in response.context["items"]]
    assert numbers == sorted(WorkItem.objects.filter(responsibilities__department=office).values_list("number", flat=True))
    other = Department.objects.get(name="职工互助办")
    assert client.get(reverse("tasks:department-dashboard", args=[other.pk])).status_code == 403
    assert client.get(reverse("tasks:my-department-dashboard")).url == reverse(
        "tasks:department-dashboard", args=[office.pk]
    )


def test_unknown_year_is_404(client, roles, rolled_up):
    client.force_login(roles.leader)
    assert client.get(reverse("tasks:dashboard") + "?year=1999").status_code == 404


def test_excel_bulletin_matches_the_rollup(client, roles, rolled_up):
    import openpyxl

    client.force_login(roles.leader)
    response = client.get(reverse("tasks:bulletin-excel"))
    assert response.status_code == 200
    workbook = openpyxl.load_workbook(io.BytesIO(response.content))
    assert workbook.sheetnames == ["汇总", "一", "二", "三", "四", "五", "六"]
    first = workbook["一"]
    assert first.freeze_panes == "A3"
    row = next(r for r in first.iter_rows(min_row=3) if r[0].value == 1)
    rollup = ItemRollup.objects.get(item__number=1, item__section__plan=rolled_up)
    assert row[1].value == "强化理论武装"
    assert row[2].value == "办公室"
    assert row[3].value == "组织基层部、权益网络宣传部"
    assert row[5].value == float(rollup.percent)
    assert row[6].value == "滞后" or row[6].value == str(rollup.get_light_display())
    assert row[6].fill.fgColor.rgb.endswith("FFC7CE")
    assert "受疫情影响" in row[7].value
    summary = workbook["汇总"]
    assert summary["A1"].value == "市总工会2020年工作要点"


def test_word_bulletin_names_late_items_and_pending_instructions(client, roles, rolled_up):
    import docx

    client.force_login(roles.plan_admin)
    response = client.get(reverse("tasks:bulletin-word") + "?from=2020-06-01&to=2020-06-30")
    assert response.status_code == 200
    document = docx.Document(io.BytesIO(response.content))
    text = "\n".join(p.text for p in document.paragraphs)
    assert "市总工会2020年工作要点落实情况通报" in text
    assert "2020-06-01" in text and "2020-06-30" in text
    assert "请尽快恢复培训。" in text
    table_text = [[c.text for c in row.cells] for row in document.tables[0].rows]
    assert ["办公室", "1", "强化理论武装", "滞后"] in [row[:4] for row in table_text[1:]]
    east_asian = document.paragraphs[0].runs[0]._element.rPr.rFonts.get(
        "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}eastAsia"
    )
    assert east_asian == "宋体"


def test_bulletins_are_for_leadership_and_admins(client, roles, rolled_up):
    client.force_login(roles.head)
    assert client.get(reverse("tasks:bulletin-excel")).status_code == 403
    assert client.get(reverse("tasks:bulletin-word")).status_code == 403


DASHBOARD_QUERIES = 12
ITEMS_QUERIES = 10


def _queries(client, url):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_dashboard_queries_are_the_same_for_18_and_600_items(client, roles, rolled_up, django_assert_max_num_queries):
    big = plan_import_document(data=synthetic_plan_text(items=600, year=2020, organization="测试区总工会").encode(),
                               filename="big.txt").plan
    jobs.rollup_refresh(plan=big, today=TODAY)
    jobs.snapshot_take(day=TODAY, plan=big)
    client.force_login(roles.leader)
    department = Department.objects.get(name="部门1")
    urls = [
        (reverse("tasks:dashboard") + "?year=2020", DASHBOARD_QUERIES),
        (reverse("tasks:section-dashboard", args=[rolled_up.sections.get(number=1).pk]), ITEMS_QUERIES),
        (reverse("tasks:department-dashboard", args=[Department.objects.get(name="办公室").pk]), ITEMS_QUERIES),
    ]
    small = [_queries(client, url) for url, _limit in urls]
    for (url, limit) in urls:
        with django_assert_max_num_queries(limit):
            client.get(url)
    big_urls = [
        reverse("tasks:dashboard") + f"?year=2020&plan={big.pk}",
        reverse("tasks:section-dashboard", args=[big.sections.get(number=1).pk]),
        reverse("tasks:department-dashboard", args=[department.pk]) + "?year=2020",
    ]
    # the big plan has 100 items per section and 600 departments' rows
    assert [_queries(client, url) for url in big_urls] == small
