"""Year-end 考核 as its users meet it: the rules a plan comes with, the departments' 自评 sent once by the head,
the parts computed with the lines behind them, the office's bonuses and deductions, leadership's adjustment and
sign-off (frozen), who sees which score, and the 考核表 in Excel and Word."""

from __future__ import annotations

import datetime
import io
import zoneinfo
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse

from assessment import selectors, services
from assessment.models import DepartmentScore, Part, Scheme, SelfAssessment
from core.exceptions import Conflict
from notifications import services as notification_services
from departments.models import Department
from supervision import services as supervision_services
from tasks.models import WorkItem
from tests.factories import approved_report, pdf_upload

pytestmark = pytest.mark.django_db

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
DECEMBER = datetime.datetime(2020, 12, 10, 10, 0, tzinfo=SHANGHAI)


@pytest.fixture(autouse=True)
def december():
    # The 自评 window of the 2020 plan (1–25 December by default).
    with time_machine.travel(DECEMBER, tick=True):
        yield


@pytest.fixture
def office(plan_2020):
    return Department.objects.get(name="办公室")


@pytest.fixture
def scheme(plan_2020):
    return Scheme.objects.get(plan=plan_2020)


def _write_every_entry(scheme, department, user):
    sa = services.self_assessment_ensure(scheme=scheme, department=department)
    for item in WorkItem.objects.filter(section__plan=scheme.plan, responsibilities__department=department,
                                        responsibilities__role="lead"):
        services.entry_save(self_assessment=sa, item=item, user=user, text=f"{item.number}：全年完成。")
    return sa


def test_an_imported_plan_comes_with_the_default_rules_in_chinese(scheme):
    parts = list(scheme.parts.all())
    computed = sum(p.points for p in parts if p.kind != Part.Kind.MANUAL)
    assert scheme.total == Decimal(100) and computed == Decimal(100)
    assert [p.kind for p in parts][:2] == ["on_time", "targets"]
    assert parts[0].name == "工作任务按时完成"
    assert (scheme.opens_on, scheme.due_on) == (datetime.date(2020, 12, 1), datetime.date(2020, 12, 25))


def test_the_rules_go_to_next_year_with_the_cloned_plan(scheme, roles):
    from tasks.services import plan_clone

    part = scheme.parts.get(kind="chases")
    part.per_case = Decimal("0.5")
    part.save()
    clone = plan_clone(plan=scheme.plan, year=2021)
    copied = Scheme.objects.get(plan=clone)
    assert copied.due_on == datetime.date(2021, 12, 25)
    assert copied.parts.get(kind="chases").per_case == Decimal("0.5")


def test_the_rules_page_refuses_parts_that_do_not_add_up(scheme, roles, client):
    client.force_login(roles.plan_admin)
    url = reverse("assessment:rules", args=[scheme.plan_id])
    page = client.get(url)
    assert page.status_code == 200
    data = {"total": "100", "opens_on": "2020-12-01", "due_on": "2020-12-25", "results_visible": "all",
            "parts-TOTAL_FORMS": "2", "parts-INITIAL_FORMS": "0", "parts-MIN_NUM_FORMS": "0",
            "parts-MAX_NUM_FORMS": "30",
            "parts-0-kind": "on_time", "parts-0-name": "按时完成", "parts-0-points": "60",
            "parts-1-kind": "chases", "parts-1-name": "催办", "parts-1-points": "30"}
    refused = client.post(url, data)
    assert refused.status_code == 400
    text = refused.content.decode()
    assert "合计 90" in text or "90" in text and "100" in text
    assert "每次扣分" in text or "扣分" in text
    data["parts-1-per_case"] = "1"
    data["parts-1-points"] = "40"
    saved = client.post(url, data)
    assert saved.status_code == 302
    assert [p.kind for p in Scheme.objects.get(pk=scheme.pk).parts.all()] == ["on_time", "chases"]


def test_a_self_assessment_is_put_forward_then_sent_once_by_the_head(scheme, office, roles, client):
    client.force_login(roles.staff)
    sa = services.self_assessment_ensure(scheme=scheme, department=office)
    with pytest.raises(ValidationError, match="每一项"):
        services.self_assessment_put_forward(self_assessment=sa, user=roles.staff)

    item = WorkItem.objects.get(section__plan=scheme.plan, number=1)
    url = reverse("assessment:entry-save", args=[office.pk, item.pk]) + f"?plan={scheme.plan_id}"
    empty = client.post(url, {f"i{item.pk}-text": " ", f"i{item.pk}-version": sa.version})
    assert empty.status_code == 400 and "请说明" in empty.content.decode()
    saved = client.post(url, {f"i{item.pk}-text": "全年开展理论学习12次。", f"i{item.pk}-version": sa.version,
                              f"i{item.pk}-evidence": pdf_upload("学习记录.pdf").file})
    assert saved.status_code == 302
    _write_every_entry(scheme, office, roles.staff)
    client.post(reverse("assessment:put-forward", args=[office.pk]) + f"?plan={scheme.plan_id}")
    assert SelfAssessment.objects.get(pk=sa.pk).state == SelfAssessment.State.AWAITING_HEAD

    # staff may not send it; the head does, once
    refused = client.post(reverse("assessment:send", args=[office.pk]) + f"?plan={scheme.plan_id}",
                          {"decision": "send"})
    assert refused.status_code == 403
    client.force_login(roles.head)
    client.post(reverse("assessment:send", args=[office.pk]) + f"?plan={scheme.plan_id}", {"decision": "send"})
    sent = SelfAssessment.objects.get(pk=sa.pk)
    assert sent.state == SelfAssessment.State.SENT and sent.sent_by == roles.head
    with pytest.raises(Conflict):
        services.entry_save(self_assessment=sent, item=item, user=roles.head, text="改一下")
    page = client.get(reverse("assessment:self") + f"?plan={scheme.plan_id}")
    assert "学习记录.pdf" in page.content.decode()


def test_a_stale_self_assessment_form_is_refused_not_overwritten(scheme, office, roles):
    sa = services.self_assessment_ensure(scheme=scheme, department=office)
    item = WorkItem.objects.get(section__plan=scheme.plan, number=1)
    services.entry_save(self_assessment=sa, item=item, user=roles.staff, text="第一稿", base_version=0)
    with pytest.raises(Conflict):
        services.entry_save(self_assessment=sa, item=item, user=roles.head, text="另一稿", base_version=0)


def test_the_head_returns_a_self_assessment_with_a_comment(scheme, office, roles, client):
    sa = _write_every_entry(scheme, office, roles.staff)
    services.self_assessment_put_forward(self_assessment=sa, user=roles.staff)
    client.force_login(roles.head)
    url = reverse("assessment:send", args=[office.pk]) + f"?plan={scheme.plan_id}"
    no_comment = client.post(url, {"decision": "return", "comment": ""})
    assert no_comment.status_code == 400 and "还缺" in no_comment.content.decode()
    client.post(url, {"decision": "return", "comment": "第3项缺数据"})
    assert SelfAssessment.objects.get(pk=sa.pk).state == SelfAssessment.State.DRAFT
    assert "第3项缺数据" in client.get(reverse("assessment:self") + f"?plan={scheme.plan_id}").content.decode()


def test_the_parts_are_computed_with_the_lines_behind_them(scheme, office, roles):
    item = WorkItem.objects.get(section__plan=scheme.plan, number=1)
    supervision_services.chase_create(plan=scheme.plan, author=roles.supervisor, message="请尽快报送",
                                      reply_by=datetime.date(2020, 12, 15), targets={office: [item]}, item=item)
    result = selectors.result_for(scheme=scheme, department=office)
    chases = next(p for p in result.parts if p.kind == "chases")
    assert chases.points == Decimal(4) and chases.out_of == Decimal(5)
    assert any("请尽快报送" in line for line in chases.details)
    self_part = next(p for p in result.parts if p.kind == "self_assessment")
    assert self_part.points == 0 and "未报送" in self_part.line
    on_time = next(p for p in result.parts if p.kind == "on_time")
    assert on_time.points == on_time.out_of and "尚未到期" in on_time.line  # due 12-31: not late yet

    # in January, the items still not done cost their share
    with time_machine.travel(datetime.datetime(2021, 1, 6, 9, 0, tzinfo=SHANGHAI)):
        january = selectors.result_for(scheme=scheme, department=office)
    on_time = next(p for p in january.parts if p.kind == "on_time")
    assert on_time.points == 0 and on_time.details and "未完成" in on_time.details[0]


def test_the_office_gives_points_within_the_part_and_with_a_reason(scheme, office, roles, client):
    client.force_login(roles.supervisor)
    manual = scheme.parts.get(kind="manual")
    url = reverse("assessment:manual-add", args=[office.pk]) + f"?plan={scheme.plan_id}"
    no_reason = client.post(url, {"part": manual.pk, "points": "2", "reason": ""})
    assert no_reason.status_code == 400 and "请说明" in no_reason.content.decode()
    client.post(url, {"part": manual.pk, "points": "8", "reason": "获全国先进集体"})
    too_much = client.post(url, {"part": manual.pk, "points": "3", "reason": "再加"})
    assert too_much.status_code == 400 and "±" in too_much.content.decode()
    result = selectors.result_for(scheme=scheme, department=office)
    assert next(p for p in result.parts if p.kind == "manual").points == Decimal(8)
    # staff and leaders do not give points
    client.force_login(roles.staff)
    assert client.post(url, {"part": manual.pk, "points": "1", "reason": "x"}).status_code == 403


def test_a_signed_off_score_is_frozen_and_kept_in_the_history(scheme, office, roles, client):
    client.force_login(roles.leader)
    base = reverse("assessment:department", args=[office.pk]) + f"?plan={scheme.plan_id}"
    no_comment = client.post(reverse("assessment:adjust", args=[office.pk]) + f"?plan={scheme.plan_id}",
                             {"points": "2", "comment": "", "version": 0})
    assert no_comment.status_code == 400 and "请说明" in no_comment.content.decode()
    client.post(reverse("assessment:adjust", args=[office.pk]) + f"?plan={scheme.plan_id}",
                {"points": "2", "comment": "牵头全市工作成效显著", "version": 0})
    client.post(reverse("assessment:sign-off", args=[office.pk]) + f"?plan={scheme.plan_id}", {"version": 1})
    score = DepartmentScore.objects.get(scheme=scheme, department=office)
    assert score.is_signed and score.frozen and score.total is not None
    frozen_total = score.total

    # a later approved report does not move a signed score
    item = WorkItem.objects.get(section__plan=scheme.plan, number=1)
    approved_report(reviewer=roles.head, item=item, department=office, reporter=roles.staff, status="done",
                    percent=100)
    assert selectors.result_for(scheme=scheme, department=office).total == frozen_total
    with pytest.raises(Conflict):
        services.adjustment_set(scheme=scheme, department=office, points=Decimal(5), comment="再调", user=roles.leader)
    page = client.get(base).content.decode()
    assert "已签批" in page and "牵头全市工作成效显著" in page
    assert score.history.count() >= 3


def test_departments_see_their_own_score_and_others_only_as_the_plan_decides(scheme, office, roles, client):
    mutual_aid = Department.objects.get(name="职工互助办")
    own = reverse("assessment:department", args=[mutual_aid.pk]) + f"?plan={scheme.plan_id}"
    other = reverse("assessment:department", args=[office.pk]) + f"?plan={scheme.plan_id}"
    client.force_login(roles.other_staff)
    assert client.get(own).status_code == 200
    assert client.get(other).status_code == 403
    services.sign_off(scheme=scheme, department=office, user=roles.leader)
    assert client.get(other).status_code == 403  # the plan shows each its own
    scheme.results_visible = Scheme.Visibility.ALL
    scheme.save()
    assert client.get(other).status_code == 200
    ranking = client.get(reverse("assessment:ranking") + f"?plan={scheme.plan_id}").content.decode()
    assert "办公室" in ranking and "职工互助办" in ranking
    assert client.get(reverse("assessment:table-excel") + f"?plan={scheme.plan_id}").status_code == 403


def test_the_kaohe_table_downloads_as_excel_and_word(scheme, office, roles, client):
    import docx
    from openpyxl import load_workbook

    services.sign_off(scheme=scheme, department=office, user=roles.leader)
    client.force_login(roles.supervisor)
    excel = client.get(reverse("assessment:table-excel") + f"?plan={scheme.plan_id}")
    assert excel.status_code == 200
    book = load_workbook(io.BytesIO(excel.content))
    departments = len(selectors.results(scheme=scheme))
    assert len(book.sheetnames) == departments + 1
    summary = book.worksheets[0]
    assert summary.cell(row=2, column=1).value == "排名"
    names = [summary.cell(row=r, column=2).value for r in range(3, 3 + departments)]
    assert "办公室" in names
    word = client.get(reverse("assessment:table-word") + f"?plan={scheme.plan_id}")
    text = "\n".join(p.text for p in docx.Document(io.BytesIO(word.content)).paragraphs)
    assert "考核" in text and "办公室" in text


def _ranking_queries(client, plan_id) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        assert client.get(reverse("assessment:ranking") + f"?plan={plan_id}").status_code == 200
    return len(captured)


def test_the_ranking_reads_a_fixed_number_of_queries(scheme, office, roles, client, django_assert_max_num_queries):
    from tasks.models import Responsibility

    client.force_login(roles.leader)
    client.get(reverse("assessment:ranking") + f"?plan={scheme.plan_id}")
    with django_assert_max_num_queries(RANKING_QUERIES):
        assert client.get(reverse("assessment:ranking") + f"?plan={scheme.plan_id}").status_code == 200
    before = _ranking_queries(client, scheme.plan_id)

    # twenty more items for the office, with reports, chases and an extension: the same queries
    section = WorkItem.objects.filter(section__plan=scheme.plan).first().section
    for number in range(100, 120):
        item = WorkItem.objects.create(section=section, number=number, title=f"新增任务{number}",
                                       due_date=datetime.date(2020, 11, 30))
        Responsibility.objects.create(item=item, department=office, role="lead")
        approved_report(reviewer=roles.head, item=item, department=office, reporter=roles.staff, percent=60)
    supervision_services.chase_create(plan=scheme.plan, author=roles.supervisor, message="请报送",
                                      reply_by=datetime.date(2020, 12, 15),
                                      targets={office: list(WorkItem.objects.filter(number__gte=100))})
    assert _ranking_queries(client, scheme.plan_id) == before


RANKING_QUERIES = 30


def test_reminders_go_out_when_the_window_opens_before_it_closes_and_after(scheme, office, roles):
    from notifications.models import Notification, ReminderLog

    plan = scheme.plan
    plan.status = plan.Status.PUBLISHED
    plan.save(update_fields=["status"])
    opened = services.self_assessment_reminders(today=datetime.date(2020, 12, 1))
    again = services.self_assessment_reminders(today=datetime.date(2020, 12, 1))
    assert opened.sent > 0 and again.sent == 0  # once per step
    notification_services.deliveries_send()
    assert Notification.objects.filter(recipient=roles.staff, title__contains="自评").exists()

    # the office sends its 自评: it hears no more; the others are told before the day, then their heads after it
    sa = _write_every_entry(scheme, office, roles.staff)
    services.self_assessment_send(self_assessment=sa, head=roles.head)
    services.self_assessment_reminders(today=datetime.date(2020, 12, 23))
    services.self_assessment_reminders(today=datetime.date(2020, 12, 26))
    office_steps = set(ReminderLog.objects.filter(subject=f"self_assessment:{scheme.pk}:{office.pk}")
                       .values_list("period", flat=True))
    assert office_steps == {"open"}
    mutual_aid = Department.objects.get(name="职工互助办")
    steps = set(ReminderLog.objects.filter(subject=f"self_assessment:{scheme.pk}:{mutual_aid.pk}")
                .values_list("period", flat=True))
    assert steps == {"open", "due-soon", "overdue"}
    notification_services.deliveries_send()
    assert Notification.objects.filter(recipient=roles.other_staff, title__contains="截止").exists()


def test_a_year_end_bulletin_carries_the_ranking(scheme, office, roles, client):
    from openpyxl import load_workbook

    services.sign_off(scheme=scheme, department=office, user=roles.leader)
    client.force_login(roles.leader)
    year_end = client.get(reverse("dashboard:bulletin-excel") + f"?plan={scheme.plan_id}&from=2020-12-01&to=2020-12-31")
    assert year_end.status_code == 200
    book = load_workbook(io.BytesIO(year_end.content))
    assert "年终考核" in book.sheetnames
    sheet = book["年终考核"]
    assert "办公室" in [sheet.cell(row=r, column=2).value for r in range(3, sheet.max_row + 1)]
    midyear = client.get(reverse("dashboard:bulletin-excel") + f"?plan={scheme.plan_id}&from=2020-01-01&to=2020-06-30")
    assert "年终考核" not in load_workbook(io.BytesIO(midyear.content)).sheetnames


def test_a_checkpoint_passed_unmet_costs_its_share_as_every_page_says(scheme, office, roles):
    from tasks.models import Checkpoint

    item = WorkItem.objects.get(section__plan=scheme.plan, number=1)
    Checkpoint.objects.create(item=item, due_date=datetime.date(2020, 6, 30), title="上半年完成一期培训",
                              expected_percent=50)
    Checkpoint.objects.create(item=item, due_date=datetime.date(2020, 9, 30), title="三季度", expected_percent=75)
    approved_report(reviewer=roles.head, item=item, department=office, reporter=roles.staff, percent=80)
    part = next(p for p in selectors.result_for(scheme=scheme, department=office).parts if p.kind == "checkpoints")
    # the report of December reaches 80 %, but after both dates: neither checkpoint was met in time
    assert part.points == 0 and len(part.details) == 2 and "上半年完成一期培训" in part.details[0]
