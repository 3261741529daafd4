"""The dashboard's read API: items with their roll-up and filters, and a plan's figures for leadership."""

from __future__ import annotations

import pytest

from departments.models import Department
from progress import services as progress_services
from tasks.models import WorkItem
from tests.api_client import API, client_for

pytestmark = pytest.mark.django_db


def test_items_of_a_plan_with_departments_targets_and_paging(roles, plan_2020):
    response = client_for(roles.staff).get(f"{API}/items/", {"plan": plan_2020.pk, "page_size": 10})
    body = response.json()
    assert response.status_code == 200
    assert body["count"] == 18 and len(body["results"]) == 10 and body["next"]
    first = body["results"][0]
    assert first["number"] == 1 and first["plan"] == plan_2020.pk
    assert {"department_name": "办公室", "role": "lead"}.items() <= first["responsibilities"][0].items()
    assert first["version"] == 0


def test_items_filtered_by_department_come_once_each(roles, plan_2020):
    organisation = Department.objects.get(name="组织基层部")
    body = client_for(roles.staff).get(f"{API}/items/", {"department": organisation.pk, "page_size": 100}).json()
    ids = [row["id"] for row in body["results"]]
    expected = WorkItem.objects.filter(responsibilities__department=organisation).distinct().count()
    assert len(ids) == len(set(ids)) == expected > 1


def test_bad_filter_values_get_a_field_error(roles, plan_2020):
    response = client_for(roles.staff).get(f"{API}/items/", {"plan": "abc", "light": "purple"})
    assert response.status_code == 400
    assert set(response.json()) == {"plan", "light"}


def test_the_rollup_is_for_leadership(roles, plan_2020):
    import datetime

    progress_services.rollup_refresh(plan=plan_2020, today=datetime.date(2020, 7, 1))
    response = client_for(roles.leader).get(f"{API}/plans/{plan_2020.pk}/rollup/")
    assert response.status_code == 200
    body = response.json()
    assert [section["number"] for section in body["sections"]] == [1, 2, 3, 4, 5, 6]
    assert body["rollup"]["light"] in {"green", "yellow", "red", "grey"}
    assert client_for(roles.staff).get(f"{API}/plans/{plan_2020.pk}/rollup/").status_code == 403
