"""A query parameter or a body field of the wrong type is a 400 naming it, never an answer that ignores it.

The OpenAPI schema promises these types; schemathesis found each of these accepted (200 or 201).
"""

import pytest

from tests.api_client import API, client_for

pytestmark = pytest.mark.django_db


WRONGLY_TYPED = [
    ("departments/", "page_size", "abc"),
    ("reports/", "page_size", "false"),
    ("sections/", "page_size", "0"),
    ("instructions/", "page_size", "１０"),
    ("departments/", "is_active", "7596483368"),
    ("departments/", "is_active", "null"),
    ("plans/", "year", "2020.5"),
    ("plans/", "year", ""),
    ("targets/", "placeholder", "-1"),
    ("reports/", "to_review", "null"),
    ("items/", "overdue", "yes"),
    ("instructions/", "open", "1"),
    ("items/", "plan", "1.5"),
    ("plans/", "status", ""),
]


def test_a_wrongly_typed_query_parameter_is_a_400_naming_it(roles, plan_2020):
    client = client_for(roles.leader)
    for path, name, value in WRONGLY_TYPED:
        response = client.get(f"{API}/{path}", {name: value})
        assert (response.status_code, name in response.json()) == (400, True), (path, name, value, response.content)


def test_a_repeated_parameter_is_a_400(roles, plan_2020):
    response = client_for(roles.leader).get(f"{API}/plans/?year=2020&year=2021")
    assert response.status_code == 400 and "year" in response.json()


def test_an_empty_page_is_not_page_one(roles, plan_2020):
    assert client_for(roles.leader).get(f"{API}/sections/?page=").status_code == 404


def test_well_typed_parameters_still_filter(roles, plan_2020):
    client = client_for(roles.leader)
    assert client.get(f"{API}/plans/", {"year": "2020"}).json()["count"] == 1
    assert client.get(f"{API}/plans/", {"year": "2019"}).json()["count"] == 0
    assert client.get(f"{API}/departments/", {"is_active": "false"}).json()["count"] == 0
    assert len(client.get(f"{API}/departments/", {"page_size": "3"}).json()["results"]) == 3
    assert len(client.get(f"{API}/items/", {"page_size": "100000"}).json()["results"]) <= 200


def test_an_instruction_text_must_be_text(roles, item1):
    for text in (123, 1.5, True, ["请加快"], {"text": "请加快"}):
        response = client_for(roles.leader).post(f"{API}/instructions/", {"item": item1.pk, "text": text},
                                                 format="json")
        assert response.status_code == 400 and "text" in response.json(), text


def test_a_review_comment_and_a_narrative_must_be_text(roles, item1):
    from tests.api_client import report_body

    response = client_for(roles.staff).post(f"{API}/reports/", report_body(item1, narrative=42), format="json")
    assert response.status_code == 400 and "narrative" in response.json()
