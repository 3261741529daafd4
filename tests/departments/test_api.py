"""The departments' API: read-only, with aliases."""

from __future__ import annotations

import pytest

from tests.api_client import API, client_for

pytestmark = pytest.mark.django_db


def test_departments_with_their_aliases(roles, plan_2020):
    body = client_for(roles.staff).get(f"{API}/departments/", {"search": "劳经部"}).json()
    assert [row["name"] for row in body["results"]] == ["劳动和经济工作部"]
    assert "劳经部" in body["results"][0]["aliases"]
