"""Issue 17's server-side rows: each failed before its fix (the browser journeys are in tests/browser)."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from departments.models import Department
from notifications.models import Notification
from progress import services
from progress.evidence import validate_evidence
from progress.models import PendingUpload
from tasks.models import Target, WorkItem
from tests.factories import submit_report

pytestmark = pytest.mark.django_db


def test_a_handled_review_request_marks_itself_read(roles, plan_2020, settings):
    item = WorkItem.objects.get(section__plan=plan_2020, number=1)
    report = submit_report(item=item, department=Department.objects.get(name="办公室"), reporter=roles.staff)
    services.report_submitted_notify(report_id=report.pk)
    notice = Notification.objects.get(recipient=roles.head, kind="review_request")
    assert notice.read_at is None
    services.report_approve(report=report, reviewer=roles.head)
    notice.refresh_from_db()
    assert notice.read_at is not None


def test_a_value_with_no_number_ticked_is_refused(client, roles, plan_2020):
    target = Target.objects.filter(item__section__plan=plan_2020, target_value__isnull=True).first()
    client.force_login(roles.plan_admin)
    response = client.post(reverse("tasks:target-fill", args=[target.pk]),
                           {f"t{target.pk}-value": "12", f"t{target.pk}-no_number": "on"})
    target.refresh_from_db()
    assert (target.target_value, target.no_number) == (None, False)
    assert response.status_code in (200, 400)


def test_no_nobody_takes_over_while_the_department_holds_open_items(client, roles, plan_2020):
    office = Department.objects.get(name="办公室")
    client.force_login(roles.plan_admin)
    page = client.get(reverse("departments:department-deactivate", args=[office.pk])).content.decode()
    assert 'value=""' not in page


def test_pending_uploads_are_swept_after_a_day(roles, plan_2020, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    item = WorkItem.objects.get(section__plan=plan_2020, number=1)
    upload = validate_evidence(SimpleUploadedFile("a.pdf", b"%PDF-1.4\n", content_type="application/pdf"))
    [pending] = services.pending_uploads_keep(user=roles.staff, item=item, uploads=[upload])
    stored = tmp_path / pending.file.name
    assert stored.exists()
    assert services.pending_uploads_sweep() == 0
    assert services.pending_uploads_sweep(now=timezone.now() + datetime.timedelta(days=1, minutes=1)) == 1
    assert not PendingUpload.objects.exists() and not stored.exists()
