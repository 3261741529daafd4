"""The REST API as a client program uses it: tokens, lists with filters, reports, reviews, instructions."""

from __future__ import annotations

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from departments.models import Department, Membership
from departments.services import membership_set
from progress import services as progress_services
from progress.models import ProgressReport
from supervision.models import Instruction
from tasks.models import Target, WorkItem
from tests.documents import bulk_plan

pytestmark = pytest.mark.django_db

API = "/api/v1"


def client_for(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=user)[0].key}")
    return client


@pytest.fixture
def item1(plan_2020):
    return WorkItem.objects.get(section__plan=plan_2020, number=1)


def report_body(item, **changes):
    return {"item": item.pk, "status": "in_progress", "percent": 40, "narrative": "已举办学习培训班一期。",
            "version": item.version} | changes


# --- authentication ------------------------------------------------------------------------------


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


# --- reading -------------------------------------------------------------------------------------


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


def test_placeholder_targets_can_be_listed_for_set_up(roles, plan_2020):
    body = client_for(roles.plan_admin).get(f"{API}/targets/", {"plan": plan_2020.pk, "placeholder": "true",
                                                                 "page_size": 100}).json()
    assert body["count"] == Target.objects.filter(item__section__plan=plan_2020, target_value__isnull=True,
                                                  no_number=False).exclude(kind="coverage").count() > 0
    assert all(row["is_placeholder"] for row in body["results"])


def test_departments_with_their_aliases(roles, plan_2020):
    body = client_for(roles.staff).get(f"{API}/departments/", {"search": "劳经部"}).json()
    assert [row["name"] for row in body["results"]] == ["劳动和经济工作部"]
    assert "劳经部" in body["results"][0]["aliases"]


def test_an_unknown_id_is_a_json_404(roles, plan_2020):
    client = client_for(roles.staff)
    for url in (f"{API}/items/999999/", f"{API}/items/-1/", f"{API}/reports/99999999999999999999/"):
        response = client.get(url)
        assert response.status_code == 404, url
        assert response["Content-Type"] == "application/json"


# --- reporting -----------------------------------------------------------------------------------


def test_staff_reports_progress_with_target_readings(roles, plan_2020):
    item9 = WorkItem.objects.get(section__plan=plan_2020, number=9)  # 办公室 leads; 档案 coverage target
    target = item9.targets.get()
    response = client_for(roles.staff).post(
        f"{API}/reports/", report_body(item9, readings=[{"target": target.pk, "value": "80"}]), format="json"
    )
    assert response.status_code == 201, response.json()
    report = ProgressReport.objects.get(pk=response.json()["id"])
    assert (report.department.name, report.percent, report.state) == ("办公室", 40, "submitted")
    assert response.json()["readings"] == [{"target": target.pk, "value": "80.00"}]
    item9.refresh_from_db()
    assert item9.version == 1


def test_bad_values_get_field_errors_in_chinese_and_nothing_is_saved(roles, item1):
    client = client_for(roles.staff)
    cases = [
        (report_body(item1, percent=150), "percent"),
        (report_body(item1, status="done", percent=50), "percent"),
        (report_body(item1, narrative=""), "narrative"),
        (report_body(item1, status="finished"), "status"),
        (report_body(item1, readings=[{"target": 999999, "value": "1"}]), "readings"),
        (report_body(item1) | {"item": 999999}, "item"),
    ]
    for body, field in cases:
        response = client.post(f"{API}/reports/", body, format="json")
        assert response.status_code == 400, (field, response.content)
        errors = response.json()
        assert field in errors, (field, errors)
        assert re.search(r"[\u4e00-\u9fff]", str(errors[field])), errors
    assert not ProgressReport.objects.exists()


def test_a_coverage_reading_above_100_is_refused_on_readings(roles, plan_2020):
    target = Target.objects.filter(item__section__plan=plan_2020, kind="coverage").select_related("item").first()
    item = target.item
    lead = item.responsibilities.get(role="lead").department
    membership_set(user=roles.other_staff, department=lead, role=Membership.Role.MEMBER)
    response = client_for(roles.other_staff).post(
        f"{API}/reports/", report_body(item, readings=[{"target": target.pk, "value": "120"}]), format="json"
    )
    assert response.status_code == 400
    assert "readings" in response.json()


def test_a_stale_version_is_a_409_with_the_current_version(roles, item1):
    client = client_for(roles.staff)
    assert client.post(f"{API}/reports/", report_body(item1), format="json").status_code == 201
    response = client.post(f"{API}/reports/", report_body(item1, narrative="第二次"), format="json")
    assert response.status_code == 409
    assert response.json()["version"] == 1
    assert ProgressReport.objects.count() == 1


def test_another_departments_item_is_refused(roles, plan_2020):
    item8 = WorkItem.objects.get(section__plan=plan_2020, number=8)  # 职工互助办's, not 办公室's
    response = client_for(roles.staff).post(f"{API}/reports/", report_body(item8), format="json")
    assert response.status_code == 403
    assert not ProgressReport.objects.exists()


def test_a_department_the_user_is_not_in_is_refused_on_the_field(roles, item1):
    organisation = Department.objects.get(name="组织基层部")  # co-organizer of item 1, not the staff's
    response = client_for(roles.staff).post(
        f"{API}/reports/", report_body(item1, department=organisation.pk), format="json"
    )
    assert response.status_code == 400 and "department" in response.json()


def test_evidence_files_go_up_with_the_report_as_multipart(roles, item1, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    client = client_for(roles.staff)
    pdf = SimpleUploadedFile("方案.pdf", b"%PDF-1.4\n%%EOF\n", content_type="application/pdf")
    response = client.post(f"{API}/reports/", report_body(item1) | {"evidence": [pdf]}, format="multipart")
    assert response.status_code == 201, response.json()
    assert [e["original_name"] for e in response.json()["evidence"]] == ["方案.pdf"]
    download = client_for(roles.leader).get(response.json()["evidence"][0]["download"])
    assert download.status_code == 200 and b"".join(download.streaming_content) == b"%PDF-1.4\n%%EOF\n"
    assert "attachment" in download["Content-Disposition"]

    fake = SimpleUploadedFile("a.pdf", b"MZ\x90\x00 not a pdf", content_type="application/pdf")
    body = report_body(item1, version=1) | {"evidence": [fake]}
    response = client.post(f"{API}/reports/", body, format="multipart")
    assert response.status_code == 400 and "evidence" in response.json()


# --- review --------------------------------------------------------------------------------------


@pytest.fixture
def submitted(roles, item1):
    response = client_for(roles.staff).post(f"{API}/reports/", report_body(item1, percent=60), format="json")
    return ProgressReport.objects.get(pk=response.json()["id"])


def test_the_head_approves_and_the_item_shows_the_progress(roles, submitted, item1):
    head = client_for(roles.head)
    assert head.get(f"{API}/reports/", {"to_review": "true"}).json()["count"] == 1
    response = head.post(f"{API}/reports/{submitted.pk}/review/", {"decision": "approve"}, format="json")
    assert response.status_code == 200 and response.json()["state"] == "approved"
    assert head.get(f"{API}/items/{item1.pk}/").json()["progress_percent"] == 60
    assert head.get(f"{API}/reports/", {"to_review": "true"}).json()["count"] == 0

    again = head.post(f"{API}/reports/{submitted.pk}/review/", {"decision": "approve"}, format="json")
    assert again.status_code == 403  # no longer awaiting review


def test_returning_needs_a_comment(roles, submitted):
    response = client_for(roles.head).post(f"{API}/reports/{submitted.pk}/review/", {"decision": "return"},
                                           format="json")
    assert response.status_code == 400 and "comment" in response.json()
    submitted.refresh_from_db()
    assert submitted.state == "submitted"


def test_staff_cannot_review_their_own_report(roles, submitted):
    response = client_for(roles.staff).post(f"{API}/reports/{submitted.pk}/review/", {"decision": "approve"},
                                            format="json")
    assert response.status_code == 403


# --- instructions and roll-up --------------------------------------------------------------------


def test_a_leader_instructs_and_the_department_answers_once(roles, item1):
    response = client_for(roles.leader).post(f"{API}/instructions/", {"item": item1.pk, "text": "请加快进度。"},
                                             format="json")
    assert response.status_code == 201
    instruction_id = response.json()["id"]
    assert client_for(roles.staff).post(f"{API}/instructions/", {"item": item1.pk, "text": "x"},
                                        format="json").status_code == 403

    reply = client_for(roles.staff).post(f"{API}/instructions/{instruction_id}/reply/", {"reply": "已落实。"},
                                         format="json")
    assert reply.status_code == 200 and reply.json()["is_open"] is False
    assert Instruction.objects.get(pk=instruction_id).reply == "已落实。"
    second = client_for(roles.head).post(f"{API}/instructions/{instruction_id}/reply/", {"reply": "再答"},
                                         format="json")
    assert second.status_code == 403  # answered: nothing left to handle


def test_the_rollup_is_for_leadership(roles, plan_2020):
    import datetime

    progress_services.rollup_refresh(plan=plan_2020, today=datetime.date(2020, 7, 1))
    response = client_for(roles.leader).get(f"{API}/plans/{plan_2020.pk}/rollup/")
    assert response.status_code == 200
    body = response.json()
    assert [section["number"] for section in body["sections"]] == [1, 2, 3, 4, 5, 6]
    assert body["rollup"]["light"] in {"green", "yellow", "red", "grey"}
    assert client_for(roles.staff).get(f"{API}/plans/{plan_2020.pk}/rollup/").status_code == 403


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


# --- query counts --------------------------------------------------------------------------------


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
