"""Evidence confidentiality (部门内 / 计划内): every sink × every role × both visibilities.

One report of 办公室 (lead of item 1) carries a narrative and an evidence file that hold a
confidential list; it is 部门内 or 计划内. Each sink — the item page, the review queue, the
evidence download (page and API), the API's report detail and list, the co-organizer's
department page, the Excel and Word bulletins, the review request — is read by every role; a
reader who may not see it finds neither the narrative nor the file name, and the download is a 403.
"""

from __future__ import annotations

import datetime
import io
import zoneinfo

import pytest
import time_machine
from django.urls import reverse

from departments.models import Department, Membership, SecurityEvent
from departments.services import membership_set
from notifications.models import Notification, ReminderLog
from progress import services as progress_services
from progress.models import ProgressReport
from tasks.models import Visibility, WorkItem
from tests.api_client import API, client_for
from tests.factories import pdf_upload, submit_report

pytestmark = pytest.mark.django_db

SECRET = "困难职工张某某，电话13800000000"
FILE_NAME = "困难职工档案-机密.pdf"
ROLES = ["staff", "head", "co_staff", "co_head", "other_staff", "leader", "plan_admin", "supervisor"]
# 部门内: the reporting department (its members and heads, who review), 督查, leadership, plan admins.
DEPARTMENT_READERS = {"staff", "head", "leader", "plan_admin", "supervisor"}


@pytest.fixture(autouse=True)
def mid_2020():
    with time_machine.travel(datetime.datetime(2020, 7, 1, 10, 0, tzinfo=zoneinfo.ZoneInfo("Asia/Shanghai")), tick=True):
        yield


@pytest.fixture
def world(roles, plan_2020, django_user_model, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    organisation = Department.objects.get(name="组织基层部")  # co-organizer of item 1
    users = {"staff": roles.staff, "head": roles.head, "other_staff": roles.other_staff, "leader": roles.leader,
             "plan_admin": roles.plan_admin, "supervisor": roles.supervisor}
    for name, role in (("co_staff", Membership.Role.MEMBER), ("co_head", Membership.Role.HEAD)):
        users[name] = django_user_model.objects.create_user(name, password="pw-for-tests-1")
        membership_set(user=users[name], department=organisation, role=role)
    item = WorkItem.objects.get(section__plan=plan_2020, number=1)
    return {"users": users, "item": item, "organisation": organisation,
            "office": Department.objects.get(name="办公室")}


def _report(world, visibility, *, approve=True) -> ProgressReport:
    report = submit_report(item=world["item"], department=world["office"], reporter=world["users"]["staff"],
                           narrative=SECRET, evidence=[pdf_upload(FILE_NAME)], narrative_visibility=visibility,
                           evidence_visibility=visibility)
    if approve:
        progress_services.report_approve(report=report, reviewer=world["users"]["head"])
    return report


def _may_see(role, visibility) -> bool:
    return visibility == Visibility.PLAN or role in DEPARTMENT_READERS


def _page(client, user, url):
    client.force_login(user)
    response = client.get(url)
    if response.streaming:
        return response.status_code, b"".join(response.streaming_content).decode("utf-8", "replace")
    return response.status_code, response.content.decode()


@pytest.mark.parametrize("visibility", [Visibility.DEPARTMENT, Visibility.PLAN])
def test_html_sinks_show_the_narrative_and_file_only_to_whom_may_see_them(client, world, visibility):
    report = _report(world, visibility)
    evidence = report.evidence.get()
    checked = 0
    for role in ROLES:
        user, allowed = world["users"][role], _may_see(role, visibility)
        # the item page (everyone sees the plan)
        status, html = _page(client, user, world["item"].get_absolute_url())
        assert status == 200
        assert (SECRET in html) is allowed, role
        assert (FILE_NAME in html) is allowed, role
        assert (evidence.get_absolute_url() in html) is allowed, role
        # the evidence download
        status, _body = _page(client, user, evidence.get_absolute_url())
        assert status == (200 if allowed else 403), role
        # the co-organizer's department page (its people and whoever sees the dashboard)
        status, html = _page(client, user, reverse("dashboard:department-dashboard", args=[world["organisation"].pk]))
        if status == 200:
            assert (SECRET[:10] in html) is allowed, role
        checked += 3
    print(f"visibility {visibility}: {checked} role × page checks")


@pytest.mark.parametrize("visibility", [Visibility.DEPARTMENT, Visibility.PLAN])
def test_the_api_hides_the_narrative_and_the_files(world, visibility):
    report = _report(world, visibility)
    evidence = report.evidence.get()
    for role in ROLES:
        api, allowed = client_for(world["users"][role]), _may_see(role, visibility)
        detail = api.get(f"{API}/reports/{report.pk}/").json()
        listed = next(r for r in api.get(f"{API}/reports/", {"item": world["item"].pk}).json()["results"]
                      if r["id"] == report.pk)
        for shape in (detail, listed):
            assert (shape["narrative"] == SECRET) is allowed, role
            assert shape["narrative"] in (SECRET, None)
            assert [e["original_name"] for e in shape["evidence"]] == ([FILE_NAME] if allowed else []), role
            assert shape["narrative_visibility"] == visibility
        assert api.get(f"{API}/evidence/{evidence.pk}/").status_code == (200 if allowed else 403), role


def test_the_review_queue_shows_the_reviewer_the_narrative(client, world):
    _report(world, Visibility.DEPARTMENT, approve=False)
    status, html = _page(client, world["users"]["head"], reverse("progress:review-queue"))
    assert status == 200 and SECRET in html and FILE_NAME in html


@pytest.mark.parametrize("visibility", [Visibility.DEPARTMENT, Visibility.PLAN])
def test_bulletins_circulate_and_quote_only_what_the_whole_plan_may_read(client, world, visibility):
    _report(world, visibility)
    progress_services.rollup_refresh(plan=world["item"].section.plan)
    client.force_login(world["users"]["leader"])
    for name in ("dashboard:bulletin-excel", "dashboard:bulletin-word"):
        response = client.get(reverse(name) + "?from=2020-06-01&to=2020-07-01")
        assert response.status_code == 200
        text = _document_text(name, response.content)
        # the Word bulletin quotes no narrative at all; the Excel one the 计划内 ones
        assert (SECRET in text) is (visibility == Visibility.PLAN and name.endswith("excel")), name


def _document_text(name, content: bytes) -> str:
    if name.endswith("excel"):
        import openpyxl

        workbook = openpyxl.load_workbook(io.BytesIO(content))
        return "\n".join(str(value) for sheet in workbook.worksheets for row in sheet.iter_rows(values_only=True)
                         for value in row if value is not None)
    import docx

    document = docx.Document(io.BytesIO(content))
    cells = [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    return "\n".join([p.text for p in document.paragraphs] + cells)


def test_notifications_never_carry_the_narrative(world):
    report = _report(world, Visibility.DEPARTMENT, approve=False)
    progress_services.report_submitted_notify(report_id=report.pk)
    progress_services.report_return(report=report, reviewer=world["users"]["head"], comment="请补充。")
    progress_services.report_reviewed_notify(report_id=report.pk)
    sent = list(ReminderLog.objects.values_list("title", "body")) + list(Notification.objects.values_list("title", "body"))
    assert len(sent) >= 2
    assert not [text for pair in sent for text in pair if SECRET in text or FILE_NAME in text]


def test_the_plan_default_applies_and_the_reporter_may_choose(world):
    # given a plan whose admins share evidence plan-wide by default
    plan = world["item"].section.plan
    plan.evidence_visibility = Visibility.PLAN
    plan.save(update_fields=["evidence_visibility"])
    # when a report is sent without a choice, and one with 部门内
    default = submit_report(item=world["item"], department=world["office"], reporter=world["users"]["staff"],
                            evidence=[pdf_upload()])
    chosen = submit_report(item=world["item"], department=world["office"], reporter=world["users"]["staff"],
                           evidence=[pdf_upload()], narrative_visibility=Visibility.DEPARTMENT,
                           evidence_visibility=Visibility.DEPARTMENT)
    # then the first is the plan's, the second the reporter's
    assert default.narrative_visibility == Visibility.PLAN and default.evidence.get().visibility == Visibility.PLAN
    assert chosen.narrative_visibility == Visibility.DEPARTMENT
    assert chosen.evidence.get().visibility == Visibility.DEPARTMENT


def test_the_report_form_offers_the_choice_with_the_plan_default(client, world):
    client.force_login(world["users"]["staff"])
    html = client.get(reverse("progress:report-create", args=[world["item"].pk])).content.decode()
    assert 'name="narrative_visibility"' in html and 'name="evidence_visibility"' in html
    assert '<option value="department" selected>' in html


def test_a_download_of_a_department_file_is_audited_and_a_plan_file_is_not(client, world):
    confidential = _report(world, Visibility.DEPARTMENT).evidence.get()
    shared = _report(world, Visibility.PLAN).evidence.get()
    client.force_login(world["users"]["leader"])
    assert client.get(confidential.get_absolute_url()).status_code == 200
    assert client.get(shared.get_absolute_url()).status_code == 200
    events = SecurityEvent.objects.filter(kind=SecurityEvent.Kind.EVIDENCE_DOWNLOADED)
    assert [(e.user, str(confidential.pk) in e.detail) for e in events] == [(world["users"]["leader"], True)]
    assert events.get().address == "127.0.0.1"
