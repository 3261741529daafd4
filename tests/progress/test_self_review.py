"""Nobody reviews their own report: another head of the department does, or a plan admin, who is
next in line when the reporter is the department's only head. Everyone sees who may review."""

import pytest
from django.urls import reverse

from departments.models import Department, Membership
from departments.services import membership_set
from notifications.models import Notification
from progress import services as progress_services
from progress.models import ProgressReport
from tests.api_client import API, client_for, report_body
from tests.factories import submit_report

pytestmark = pytest.mark.django_db


@pytest.fixture
def office(plan_2020):
    return Department.objects.get(name="办公室")


@pytest.fixture
def own_report(roles, item1, office):
    """The head of 办公室 (its only head) reports on item 1, which 办公室 leads."""
    return submit_report(item=item1, department=office, reporter=roles.head, status="in_progress", percent=70)


@pytest.fixture
def second_head(django_user_model, office):
    head = django_user_model.objects.create_user(username="head2", password="pw-for-tests-1", first_name="李四")
    membership_set(user=head, department=office, role=Membership.Role.HEAD)
    return head


def test_a_head_cannot_approve_their_own_report_through_the_api(roles, item1):
    # given the head of 办公室 submits a report through the API
    head = client_for(roles.head)
    created = head.post(f"{API}/reports/", report_body(item1, percent=90), format="json")
    assert created.status_code == 201
    # when they approve it
    response = head.post(f"{API}/reports/{created.json()['id']}/review/", {"decision": "approve"}, format="json")
    # then it is refused, and the item's official progress does not move
    assert response.status_code == 403
    item1.refresh_from_db()
    assert item1.progress_percent == 0
    assert ProgressReport.objects.get(pk=created.json()["id"]).state == "submitted"


def test_a_head_cannot_approve_their_own_report_through_the_page(client, roles, own_report, item1):
    client.force_login(roles.head)
    response = client.post(reverse("progress:report-review", args=[own_report.pk]), {"decision": "approve"})
    assert response.status_code == 403
    own_report.refresh_from_db()
    assert own_report.state == "submitted" and own_report.reviewer is None


def test_the_service_refuses_a_reviewer_who_reported_it_even_a_plan_admin(roles, item1, office):
    report = submit_report(item=item1, department=office, reporter=roles.plan_admin)
    with pytest.raises(progress_services.OwnReport):
        progress_services.report_approve(report=report, reviewer=roles.plan_admin)
    with pytest.raises(progress_services.OwnReport):
        progress_services.report_return(report=report, reviewer=roles.plan_admin, comment="不行")


def test_another_head_of_the_department_reviews_it(roles, own_report, second_head, item1):
    # given a second head of 办公室
    reviewer = client_for(second_head)
    # then the report is in their queue, not in the reporter's
    assert [r["id"] for r in reviewer.get(f"{API}/reports/", {"to_review": "true"}).json()["results"]] == [own_report.pk]
    assert client_for(roles.head).get(f"{API}/reports/", {"to_review": "true"}).json()["count"] == 0
    # and the plan admins are not asked: a head is
    assert client_for(roles.plan_admin).get(f"{API}/reports/", {"to_review": "true"}).json()["count"] == 0
    # when the second head approves it, it counts
    response = reviewer.post(f"{API}/reports/{own_report.pk}/review/", {"decision": "approve"}, format="json")
    assert response.status_code == 200
    item1.refresh_from_db()
    assert item1.progress_percent == 70


def test_with_one_head_the_report_goes_to_the_plan_admins(roles, own_report, item1):
    # given the reporter is 办公室's only head: the plan admins are next in line
    admin = client_for(roles.plan_admin)
    assert [r["id"] for r in admin.get(f"{API}/reports/", {"to_review": "true"}).json()["results"]] == [own_report.pk]
    response = admin.post(f"{API}/reports/{own_report.pk}/review/", {"decision": "approve"}, format="json")
    assert response.status_code == 200 and response.json()["state"] == "approved"


def test_with_one_head_the_plan_admins_are_asked_to_review(roles, own_report):
    progress_services.report_submitted_notify(report_id=own_report.pk)
    asked = set(Notification.objects.filter(kind="review_request").values_list("recipient__username", flat=True))
    assert asked == {"planadmin"}


def test_with_two_heads_the_other_head_is_asked(roles, second_head, item1, office):
    report = submit_report(item=item1, department=office, reporter=roles.head)
    progress_services.report_submitted_notify(report_id=report.pk)
    asked = set(Notification.objects.filter(kind="review_request").values_list("recipient__username", flat=True))
    assert asked == {"head2"}


def test_the_reporter_sees_who_reviews_it_instead_of_buttons(client, roles, own_report, item1):
    client.force_login(roles.head)
    page = client.get(item1.get_absolute_url()).content.decode()
    assert f'action="{reverse("progress:report-review", args=[own_report.pk])}"' not in page
    assert "待计划管理员审核" in page


def test_the_queue_and_the_item_page_name_the_other_heads(client, roles, own_report, second_head, item1):
    client.force_login(second_head)
    queue = client.get(reverse("progress:review-queue")).content.decode()
    assert f'action="{reverse("progress:report-review", args=[own_report.pk])}"' in queue
    assert "待 李四 审核" in queue
    client.force_login(roles.head)
    page = client.get(item1.get_absolute_url()).content.decode()
    assert "待 李四 审核" in page and f'action="{reverse("progress:report-review", args=[own_report.pk])}"' not in page


def test_the_plan_admins_queue_holds_what_no_other_head_may_review(client, roles, own_report):
    client.force_login(roles.plan_admin)
    queue = client.get(reverse("progress:review-queue")).content.decode()
    assert f'action="{reverse("progress:report-review", args=[own_report.pk])}"' in queue


def test_a_second_review_through_the_page_says_who_was_first(client, roles, own_report, second_head):
    progress_services.report_approve(report=own_report, reviewer=second_head)
    client.force_login(roles.plan_admin)
    response = client.post(reverse("progress:report-review", args=[own_report.pk]), {"decision": "return",
                                                                                     "comment": "再看看"}, follow=True)
    assert response.status_code == 200
    assert "李四" in response.content.decode()
    own_report.refresh_from_db()
    assert own_report.state == "approved"


# Session, user, groups; the reports (with item, plan, department, reporter), readings, evidence; the heads.
REVIEW_QUEUE_QUERIES = 7


def test_the_queue_reads_a_fixed_number_of_queries(client, roles, second_head, item1, office,
                                                  django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    # given one report awaiting the second head's review, then thirty
    submit_report(item=item1, department=office, reporter=roles.head)
    client.force_login(second_head)
    client.get(reverse("progress:review-queue"))  # the user's frame is cached from the first page on
    with CaptureQueriesContext(connection) as one:
        client.get(reverse("progress:review-queue"))
    for _ in range(29):
        submit_report(item=item1, department=office, reporter=roles.staff)
    # then the queue, with who may review each, costs the same
    with django_assert_max_num_queries(REVIEW_QUEUE_QUERIES):
        page = client.get(reverse("progress:review-queue")).content.decode()
    with CaptureQueriesContext(connection) as thirty:
        client.get(reverse("progress:review-queue"))
    assert page.count('class="review-line"') == 30
    assert len(one) == len(thirty)
