"""The plan's named summary reports (半年总结 by 07-10, 年终总结 by 12-20) edited on the set-up page."""

import datetime

import pytest
from django.urls import reverse

from departments.models import Department
from supervision import services
from supervision.models import SummaryRequirement

pytestmark = pytest.mark.django_db


def _post(plan, rows, extra_row=None):
    data = {"summaries-TOTAL_FORMS": str(len(rows) + 1), "summaries-INITIAL_FORMS": str(len(rows))}
    for index, row in enumerate([*rows, extra_row or {}]):
        for key, value in row.items():
            data[f"summaries-{index}-{key}"] = value
    return data


def _existing(plan):
    return [{"id": str(r.pk), "name": r.name, "due_date": f"{r.due_date:%Y-%m-%d}"}
            for r in plan.summary_requirements.all()]


def test_a_plan_admin_moves_adds_and_removes_summaries_with_history(client, roles, plan_2020):
    half, year_end = plan_2020.summary_requirements.order_by("due_date")
    client.force_login(roles.plan_admin)
    rows = _existing(plan_2020)
    rows[0]["due_date"] = "2020-07-15"
    rows[1]["DELETE"] = "on"
    url = reverse("supervision:summary-requirements", args=[plan_2020.pk])
    response = client.post(url, _post(plan_2020, rows, {"name": "三季度小结", "due_date": "2020-10-10"}))
    assert response.status_code == 302
    assert list(plan_2020.summary_requirements.order_by("due_date").values_list("name", "due_date")) == [
        (half.name, datetime.date(2020, 7, 15)), ("三季度小结", datetime.date(2020, 10, 10))]
    assert set(SummaryRequirement.history.filter(history_user=roles.plan_admin).values_list("history_type", flat=True)) \
        == {"+", "~", "-"}
    page = client.get(reverse("tasks:plan-setup", args=[plan_2020.pk])).content.decode()
    assert "三季度小结" in page and 'id="summaries"' in page


def test_bad_rows_are_refused_on_their_fields_and_nothing_is_saved(client, roles, plan_2020):
    client.force_login(roles.plan_admin)
    url = reverse("supervision:summary-requirements", args=[plan_2020.pk])
    before = list(plan_2020.summary_requirements.values_list("name", "due_date"))
    rows = _existing(plan_2020)
    rows[0]["due_date"] = "2021-01-10"  # outside the plan's year
    rows[1]["name"] = ""
    response = client.post(url, _post(plan_2020, rows))
    assert response.status_code == 400
    forms = response.context["summary_formset"].forms
    assert "due_date" in forms[0].errors and "name" in forms[1].errors
    assert list(plan_2020.summary_requirements.values_list("name", "due_date")) == before


def test_a_summary_departments_sent_already_is_not_removed(roles, plan_2020):
    requirement = plan_2020.summary_requirements.order_by("due_date").first()
    services.summary_submit(requirement=requirement, department=Department.objects.get(name="办公室"),
                            user=roles.staff, text="上半年总结。")
    row = services.RequirementRow(requirement, requirement.name, requirement.due_date, delete=True)
    with pytest.raises(Exception) as refusal:
        services.requirements_save(plan=plan_2020, user=roles.plan_admin, rows=[row])
    assert "0-DELETE" in refusal.value.message_dict
    assert SummaryRequirement.objects.filter(pk=requirement.pk).exists()


def test_only_plan_admins_edit_summaries(client, roles, plan_2020):
    url = reverse("supervision:summary-requirements", args=[plan_2020.pk])
    for user in (roles.supervisor, roles.leader, roles.head):
        client.force_login(user)
        assert client.post(url, _post(plan_2020, _existing(plan_2020))).status_code == 403
