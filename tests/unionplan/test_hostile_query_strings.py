"""Query strings a visitor typed: never a 500 on the dashboard, brands, department and bulletin pages.

`"²".isdigit()` is true and `int("²")` fails: each of these pages read its number that way.
"""

import pytest
from django.urls import reverse

from departments.models import Department

pytestmark = pytest.mark.django_db

HOSTILE = ["²", "①", "9" * 30, "2020-02-30", "-1", "%00"]


def _pages(plan):
    office = Department.objects.get(name="办公室")
    section = plan.sections.get(number=1)
    return [
        (reverse("dashboard:dashboard"), "year"),
        (reverse("dashboard:department-dashboard", args=[office.pk]), "year"),
        (reverse("dashboard:section-dashboard", args=[section.pk]), "department"),
        (reverse("dashboard:bulletin-excel"), "year"),
        (reverse("dashboard:bulletin-word"), "year"),
        (reverse("dashboard:bulletin-word"), "from"),
        (reverse("dashboard:bulletin-word"), "to"),
        (reverse("brands:board"), "plan"),
    ]


@pytest.mark.parametrize("value", HOSTILE)
def test_a_hostile_value_is_an_answer_not_a_server_error(client, roles, plan_2020, value):
    # given a leader (who may open every one of these pages)
    client.force_login(roles.leader)
    for url, name in _pages(plan_2020):
        # when the parameter holds something that is not a number (or not a date)
        response = client.get(url, {name: value})
        # then the page answers as if it were not given (200), as for a plan that is not there (404), or
        # says what was wrong with it (400: a bulletin's period), never a server error
        assert response.status_code in (200, 400, 404), (url, name, value, response.status_code)


def test_a_superscript_year_reads_as_no_year(client, roles, plan_2020):
    client.force_login(roles.leader)
    response = client.get(reverse("dashboard:dashboard"), {"year": "²"})
    assert response.status_code == 200
    assert response.context["plan"] == plan_2020
