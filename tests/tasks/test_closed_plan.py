"""A closed plan is read-only: its targets are not filled and it is not published again, through
the API or the set-up pages (reopening is its own, audited action)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tasks.models import Target, WorkPlan
from tests.api_client import API, client_for, report_body

pytestmark = pytest.mark.django_db


READY_PLAN = (
    "测试总工会2031年工作要点\n2031年的总体要求是：稳中求进。\n一、思想引领\n"
    "1.强化理论武装，年内创建X家示范点。（责任部室：办公室）\n"
)


@pytest.fixture
def closed_plan(roles, plan_2020):
    """A small plan (办公室 has a member and a head), its one placeholder filled, published, then closed."""
    from tasks.services import plan_import_document

    plan = plan_import_document(data=READY_PLAN.encode(), filename="plan.txt").plan
    admin = client_for(roles.plan_admin)
    target = Target.objects.get(item__section__plan=plan)
    assert admin.post(f"{API}/targets/{target.pk}/fill/", {"target_value": "3"}, format="json").status_code == 200
    assert admin.post(f"{API}/plans/{plan.pk}/publish/").status_code == 200
    response = admin.post(f"{API}/plans/{plan.pk}/close/")
    assert response.status_code == 200 and response.json()["status"] == "closed"
    return plan


@pytest.fixture
def placeholder(closed_plan):
    return Target.objects.get(item__section__plan=closed_plan)


def test_filling_a_target_of_a_closed_plan_through_the_api_is_a_409(roles, placeholder):
    response = client_for(roles.plan_admin).post(f"{API}/targets/{placeholder.pk}/fill/", {"target_value": "5"},
                                                 format="json")
    assert response.status_code == 409 and "仅供查看" in response.json()["detail"]
    placeholder.refresh_from_db()
    assert placeholder.target_value == 3


def test_publishing_a_closed_plan_through_the_api_is_a_409(roles, closed_plan):
    response = client_for(roles.plan_admin).post(f"{API}/plans/{closed_plan.pk}/publish/")
    assert response.status_code == 409
    closed_plan.refresh_from_db()
    assert closed_plan.status == WorkPlan.Status.CLOSED


def test_reporting_on_a_closed_plan_through_the_api_is_refused(roles, closed_plan):
    item = closed_plan.sections.get().items.get()
    response = client_for(roles.staff).post(f"{API}/reports/", report_body(item), format="json")
    assert response.status_code == 403


def test_the_set_up_pages_refuse_too(client, roles, closed_plan, placeholder):
    client.force_login(roles.plan_admin)
    filled = client.post(reverse("tasks:target-fill", args=[placeholder.pk]), {f"t{placeholder.pk}-value": "5"},
                         follow=True)
    assert "已结束，仅供查看" in filled.content.decode()
    placeholder.refresh_from_db()
    assert placeholder.target_value == 3
    published = client.post(reverse("tasks:plan-publish", args=[closed_plan.pk]), follow=True)
    assert "已结束，仅供查看" in published.content.decode()
    closed_plan.refresh_from_db()
    assert closed_plan.status == WorkPlan.Status.CLOSED
