"""The REST API's common ground: tokens, 401 in Chinese, CSRF, JSON 404s, pinned list queries, docs without a CDN."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from progress.models import ProgressReport
from tasks.models import WorkItem
from tests.api_client import API, client_for, report_body
from tests.documents import bulk_plan

pytestmark = pytest.mark.django_db


def test_a_token_is_obtained_with_username_and_password_and_opens_the_api(roles):
    anonymous = APIClient()
    response = anonymous.post(f"{API}/auth/token/", {"username": "staff", "password": "pw-for-tests-1"})
    assert response.status_code == 200
    token = response.json()["token"]

    anonymous.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert anonymous.get(f"{API}/plans/").status_code == 200


def test_without_credentials_the_api_answers_401_in_chinese(plan_2020):
    response = APIClient().get(f"{API}/items/")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    assert re.search(r"[\u4e00-\u9fff]", response.json()["detail"])  # 身份认证信息未提供。


def test_a_wrong_password_gets_a_field_free_error_and_no_token(roles):
    response = APIClient().post(f"{API}/auth/token/", {"username": "staff", "password": "wrong"})
    assert response.status_code == 400
    assert "token" not in response.json()


def test_a_deactivated_users_token_stops_working(roles):
    client = client_for(roles.staff)
    roles.staff.is_active = False
    roles.staff.save()
    assert client.get(f"{API}/items/").status_code == 401


def test_session_posts_need_the_csrf_token(roles, item1):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(roles.staff)
    response = client.post(f"{API}/reports/", report_body(item1), format="json")
    assert response.status_code == 403
    assert not ProgressReport.objects.exists()


def test_an_unknown_id_is_a_json_404(roles, plan_2020):
    client = client_for(roles.staff)
    for url in (f"{API}/items/999999/", f"{API}/items/-1/", f"{API}/reports/99999999999999999999/"):
        response = client.get(url)
        assert response.status_code == 404, url
        assert response["Content-Type"] == "application/json"


def _count(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_list_queries_do_not_grow_with_the_data(roles, plan_2020, django_assert_max_num_queries):
    big = bulk_plan(items=600, departments=20, reports=600, year=2031)
    item1 = WorkItem.objects.get(section__plan=plan_2020, number=1)
    assert client_for(roles.staff).post(f"{API}/reports/", report_body(item1), format="json").status_code == 201
    client = client_for(roles.leader)
    for resource, limit in (("items", 6), ("reports", 6), ("targets", 3), ("instructions", 3)):
        small_url = f"{API}/{resource}/?plan={plan_2020.pk}&page_size=200"
        big_url = f"{API}/{resource}/?plan={big.pk}&page_size=200"
        with django_assert_max_num_queries(limit):
            small = _count(client, small_url)
        assert _count(client, big_url) == small, resource


def test_the_docs_page_and_schema_are_served_without_a_cdn(client):
    page = client.get(f"{API}/docs/")
    assert page.status_code == 200
    html = page.content.decode()
    sources = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert sources and all(s.startswith("/") for s in sources), sources
    assert "<script>" not in html.replace(" ", "")  # the start-up script is a file (CSP)
    schema = client.get(f"{API}/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert schema.status_code == 200 and schema.json()["openapi"].startswith("3.")
