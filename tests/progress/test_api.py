"""The reports' API: reporting with readings and evidence, field errors, stale versions, review."""

from __future__ import annotations

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from departments.models import Department, Membership
from departments.services import membership_set
from progress.models import ProgressReport
from tasks.models import Target, WorkItem
from tests.api_client import API, client_for, report_body

pytestmark = pytest.mark.django_db


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
    # then a second review is a conflict (the schema's 409), naming who came first
    assert again.status_code == 409 and "head" in again.json()["detail"]


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
