"""A head's 待您审核 notice is handled once the report is reviewed, whichever way and by whichever head."""

import pytest

from departments.models import Department, Membership
from departments.services import membership_set
from notifications.models import Notification
from progress import services
from tasks.models import WorkItem
from tests.factories import submit_report

pytestmark = pytest.mark.django_db


def test_a_returned_report_marks_every_heads_review_request_read(roles, plan_2020, django_user_model):
    # given two heads of the department, both asked to review
    office = Department.objects.get(name="办公室")
    second_head = django_user_model.objects.create_user("head-2", password="pw-for-tests-1")
    membership_set(user=second_head, department=office, role=Membership.Role.HEAD)
    report = submit_report(item=WorkItem.objects.get(section__plan=plan_2020, number=1), department=office,
                           reporter=roles.staff)
    services.report_submitted_notify(report_id=report.pk)
    asked = Notification.objects.filter(kind="review_request", reminder__subject=f"report:{report.pk}")
    assert asked.count() == 2 and not asked.filter(read_at__isnull=False).exists()

    # when one head returns it
    services.report_return(report=report, reviewer=roles.head, comment="请补充材料。")

    # then neither head's list shows it as waiting any more
    assert not asked.filter(read_at__isnull=True).exists()
