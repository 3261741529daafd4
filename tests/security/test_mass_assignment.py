"""Mass assignment through the API: a report's state, reviewer, visibility of another's files and
the item's version are the portal's to set, never the client's."""

import pytest

from departments.models import Department
from progress.models import ProgressReport
from tests.api_client import API, client_for

pytestmark = pytest.mark.django_db


def test_a_report_cannot_be_sent_approved_reviewed_or_for_another_department(roles, item1):
    # given a staff member of 办公室 (lead of item 1) and a department that has no part in it
    item1.refresh_from_db()
    stranger = Department.objects.get(name="职工互助办")
    # when they send fields the API does not take from a client
    response = client_for(roles.staff).post(f"{API}/reports/", {
        "item": item1.pk, "status": "in_progress", "percent": 30, "narrative": "推进中。", "version": item1.version,
        "state": "approved", "reviewer": roles.plan_admin.pk, "reviewed_at": "2020-01-01T00:00:00Z",
        "review_comment": "自己批准", "reporter": roles.plan_admin.pk, "role": "lead", "id": 999,
    }, format="json")
    # then the report is theirs, awaiting review, with none of those set
    assert response.status_code == 201, response.content
    report = ProgressReport.objects.get(pk=response.json()["id"])
    assert report.pk != 999 and report.state == ProgressReport.State.SUBMITTED
    assert report.reviewer is None and report.reviewed_at is None and report.review_comment == ""
    assert report.reporter == roles.staff
    # and reporting for a department they are not in is refused
    item1.refresh_from_db()
    refused = client_for(roles.staff).post(f"{API}/reports/", {
        "item": item1.pk, "department": stranger.pk, "status": "in_progress", "percent": 30, "narrative": "x",
        "version": item1.version}, format="json")
    assert refused.status_code == 400 and ProgressReport.objects.filter(department=stranger).count() == 0


def test_reports_and_evidence_cannot_be_changed_or_deleted_through_the_api(roles, item1):
    api = client_for(roles.plan_admin)
    for method in ("put", "patch", "delete"):
        assert getattr(api, method)(f"{API}/reports/1/", {"state": "approved"}, format="json").status_code == 405
        assert getattr(api, method)(f"{API}/evidence/1/", {"visibility": "plan"}, format="json").status_code in (
            404, 405)
