"""Every long form, posted with mistakes, lists each at the top (a link to its field) and keeps the message
beside the field (templates/includes/error_summary.html and includes/field.html, shared by all)."""

import datetime
import re
import zoneinfo

import pytest
import time_machine
from django.urls import reverse

from departments.models import Department
from tasks.models import WorkItem

pytestmark = pytest.mark.django_db

REQUIRED = "该字段是必填项。"


@pytest.fixture(autouse=True)
def mid_2020():
    with time_machine.travel(datetime.datetime(2020, 7, 1, 10, tzinfo=zoneinfo.ZoneInfo("Asia/Shanghai")), tick=True):
        yield


def _summary(response) -> str:
    page = response.content.decode()
    assert response.status_code in (200, 400), response.status_code  # the form again, never a 500
    assert 'class="error-summary"' in page, "no error summary"
    return page.split('class="error-summary"', 1)[1].split("</div>", 1)[0]


def _field_says(response, field_id: str, message: str) -> None:
    """The summary links to the field and the field carries its message."""
    summary = _summary(response)
    assert f'href="#{field_id}"' in summary and message in summary, summary
    page = response.content.decode()
    beside = re.search(rf'<span class="field-error" id="{field_id}_error" role="alert">([^<]*)</span>', page)
    assert beside is not None and message in beside.group(1)


def _item(plan, number=1):
    return WorkItem.objects.get(section__plan=plan, number=number)


def test_the_checkpoint_form(client, roles, plan_2020):
    client.force_login(roles.plan_admin)
    response = client.post(reverse("tasks:checkpoint-create", args=[_item(plan_2020).pk]),
                           {"due_date": "2020-10-31", "title": "", "expected_percent": "80"})
    _field_says(response, "id_title", "请填写该日期前应完成的内容。")


def test_the_plan_settings_form(client, roles, plan_2020):
    client.force_login(roles.plan_admin)
    response = client.post(reverse("tasks:plan-settings", args=[plan_2020.pk]),
                           {"settings-reporting_cycle": "monthly", "settings-reporting_day": "",
                            "settings-extension_steps": "1"})
    _field_says(response, "id_settings-reporting_day", REQUIRED)


def test_the_people_upload_form(client, roles, plan_2020):
    client.force_login(roles.plan_admin)
    response = client.post(reverse("departments:people-upload"), {"file": ""})  # sent without a file
    _field_says(response, "id_file", REQUIRED)


def test_the_assessment_rules_form_and_its_rows(client, roles, plan_2020):
    client.force_login(roles.plan_admin)
    response = client.post(reverse("assessment:rules", args=[plan_2020.pk]), {
        "total": "", "opens_on": "2020-12-01", "due_on": "2020-12-31",
        "parts-TOTAL_FORMS": "1", "parts-INITIAL_FORMS": "0", "parts-0-kind": "on_time", "parts-0-name": "按时",
        "parts-0-points": "abc", "parts-0-per_case": "0"})
    summary = _summary(response)
    assert 'href="#id_total"' in summary and REQUIRED in summary
    assert 'href="#id_parts-0-points"' in summary and "输入一个数字。" in summary


def test_the_extension_request(client, roles, plan_2020):
    item = WorkItem.objects.filter(section__plan=plan_2020, due_date__gte=datetime.date(2020, 7, 1),
                                   responsibilities__department__name="办公室",
                                   responsibilities__role="lead").first()
    client.force_login(roles.head)
    response = client.post(reverse("supervision:extension-create", args=[item.pk]),
                           {"new_due": str(item.due_date + datetime.timedelta(days=30)), "reason": ""})
    _field_says(response, "id_reason", "请说明需要延期的理由。")


def test_the_assignment_form(client, roles, plan_2020):
    client.force_login(roles.leader)
    response = client.post(reverse("supervision:assignment-create"),
                           {"plan": plan_2020.pk, "title": "", "text": "请牵头筹备。",
                            "departments": [Department.objects.get(name="办公室").pk], "due_date": "2020-10-31"})
    _field_says(response, "id_title", REQUIRED)


def test_the_chase_form(client, roles, plan_2020):
    from progress import services as progress_services
    from supervision import selectors as supervision_selectors

    progress_services.rollup_refresh(plan=plan_2020, today=datetime.date(2020, 7, 1))
    late = supervision_selectors.late_departments(plan=plan_2020)
    client.force_login(roles.supervisor)
    response = client.post(reverse("supervision:chase-create"),
                           {"plan": plan_2020.pk, "message": "", "reply_by": "2020-07-10",
                            "departments": [late[0].department.pk]})
    _field_says(response, "id_message", REQUIRED)


def test_the_summary_requirements_rows(client, roles, plan_2020):
    client.force_login(roles.plan_admin)
    response = client.post(reverse("supervision:summary-requirements", args=[plan_2020.pk]), {
        "summaries-TOTAL_FORMS": "1", "summaries-INITIAL_FORMS": "0", "summaries-0-name": "三季度小结",
        "summaries-0-due_date": "十月"})
    _field_says(response, "id_summaries-0-due_date", "请按 YYYY-MM-DD 格式填写日期。")
