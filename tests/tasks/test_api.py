"""The plans' API for plan admins: placeholder targets, filling them, publishing."""

from __future__ import annotations

import pytest

from tasks.models import Target
from tests.api_client import API, client_for

pytestmark = pytest.mark.django_db


def test_placeholder_targets_can_be_listed_for_set_up(roles, plan_2020):
    body = client_for(roles.plan_admin).get(f"{API}/targets/", {"plan": plan_2020.pk, "placeholder": "true",
                                                                 "page_size": 100}).json()
    assert body["count"] == Target.objects.filter(item__section__plan=plan_2020, target_value__isnull=True,
                                                  no_number=False).exclude(kind="coverage").count() > 0
    assert all(row["is_placeholder"] for row in body["results"])


def test_a_plan_admin_fills_a_placeholder_target(roles, plan_2020):
    target = Target.objects.filter(item__section__plan=plan_2020, target_value__isnull=True).exclude(
        kind="coverage").first()
    assert client_for(roles.staff).post(f"{API}/targets/{target.pk}/fill/", {"target_value": "5"},
                                        format="json").status_code == 403
    empty = client_for(roles.plan_admin).post(f"{API}/targets/{target.pk}/fill/", {}, format="json")
    assert empty.status_code == 400 and "target_value" in empty.json()
    response = client_for(roles.plan_admin).post(f"{API}/targets/{target.pk}/fill/", {"target_value": "5"},
                                                 format="json")
    assert response.status_code == 200 and response.json()["target_value"] == "5.00"


def test_publishing_an_unready_plan_is_a_409_naming_what_is_missing(roles, plan_2020):
    response = client_for(roles.plan_admin).post(f"{API}/plans/{plan_2020.pk}/publish/")
    assert response.status_code == 409
    assert response.json()["placeholder_targets"]
