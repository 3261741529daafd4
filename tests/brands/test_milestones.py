"""Milestones are reported like item progress: the item's permissions, the head's review, its history."""

import datetime

import pytest
from django.urls import reverse

from brands import permissions, selectors, services
from brands.models import MilestoneReport
from brands.progress import (
    MilestoneFacts,
    Projection,
    brand_progress,
    item_progress,
    item_projection,
)
from departments.models import Department
from progress import services as progress_services
from progress.models import ProgressReport
from tasks.models import WorkPlan

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def _post(client, brand, milestone, *, item, **fields):
    item.refresh_from_db()
    data = {"milestone": milestone.pk, "status": "in_progress", "percent": "50", "narrative": "已制定方案。",
            "version": item.version}
    data.update(fields)
    return client.post(reverse("brands:milestone-report", args=[brand.pk]), data)


def _submit(milestone, department, reporter, *, percent, status="in_progress"):
    item = milestone.brand.item
    item.refresh_from_db()
    return services.milestone_report_submit(
        milestone=milestone, department=department, reporter=reporter, status=status, percent=percent,
        narrative="进展顺利。", evidence=[], base_version=item.version,
    )


def test_owner_reports_a_milestone_and_it_counts_once_the_head_approves(client, roles, brand, milestones, item_18):
    # given staff of 办公室, owner of 工会助力脱贫攻坚 and lead of item 18
    client.force_login(roles.staff)

    # when they report the first milestone done
    response = _post(client, brand, milestones["first"], item=item_18, status="done", percent="100")

    # then a progress report on item 18 awaits the head; the milestone has not moved
    assert response.status_code == 302
    link = MilestoneReport.objects.select_related("report").get()
    assert (link.report.item_id, link.report.state, link.report.department.name) == (item_18.pk, "submitted", "办公室")
    assert (link.status, link.percent) == ("done", 100)
    assert "制定方案" in link.report.narrative
    milestones["first"].refresh_from_db()
    assert milestones["first"].percent == 0

    # when the head approves it in the usual review
    client.force_login(roles.head)
    response = client.post(reverse("progress:report-review", args=[link.report.pk]), {"decision": "approve"})

    # then the milestone, the brand and item 18 move: 1 of 2 milestones → brand 50%; 5 brands → item 10%
    assert response.status_code == 302
    milestones["first"].refresh_from_db()
    assert (milestones["first"].status, milestones["first"].percent) == ("done", 100)
    assert selectors.brand_progress_of(brand) == 50.0
    assert selectors.item_brand_progress(plan=brand.plan) == {item_18.pk: 10.0}
    item_18.refresh_from_db()
    assert (item_18.progress_percent, item_18.status) == (10, "in_progress")


def test_a_co_organizers_milestone_counts_for_the_brand_not_as_item_18s_official_progress(
    client, organisation_users, co_brand, milestones, item_18
):
    staff, head = organisation_users
    client.force_login(staff)
    _post(client, co_brand, milestones["co_first"], item=item_18, percent="60")
    report = ProgressReport.objects.get(milestone_report__isnull=False)
    assert report.role == "co_organizer"

    client.force_login(head)
    client.post(reverse("progress:report-review", args=[report.pk]), {"decision": "approve"})

    milestones["co_first"].refresh_from_db()
    assert milestones["co_first"].percent == 60
    item_18.refresh_from_db()
    assert item_18.progress_percent == 0  # a co-organizer's report is its own part
    assert selectors.item_brand_progress(plan=co_brand.plan) == {item_18.pk: 6.0}  # what the roll-up takes


def test_a_department_that_does_not_own_or_support_the_brand_is_refused(client, organisation_users, roles, brand,
                                                                        milestones, item_18):
    # 组织基层部 may report on item 18, but 工会助力脱贫攻坚 is not its brand
    staff, _head = organisation_users
    client.force_login(staff)
    assert _post(client, brand, milestones["first"], item=item_18).status_code == 403
    # and 职工互助办 has no part in item 18 at all
    client.force_login(roles.other_staff)
    assert _post(client, brand, milestones["first"], item=item_18).status_code == 403
    assert not ProgressReport.objects.exists()
    # the service says the same to any other caller
    with pytest.raises(services.MilestoneNotAllowed):
        _submit(milestones["first"], Department.objects.get(name="组织基层部"), staff, percent=10)


def test_a_milestone_of_another_brand_is_refused_on_the_field(client, roles, brand, milestones, item_18):
    client.force_login(roles.staff)

    response = _post(client, brand, milestones["co_first"], item=item_18)

    assert response.status_code == 400
    assert "milestone" in response.context["form"].errors
    assert not ProgressReport.objects.exists()


def test_another_departments_head_cannot_approve(client, roles, organisation_users, brand, milestones):
    link = _submit(milestones["first"], Department.objects.get(name="办公室"), roles.staff, percent=40)
    _staff, org_head = organisation_users
    client.force_login(org_head)

    response = client.post(reverse("progress:report-review", args=[link.report.pk]), {"decision": "approve"})

    assert response.status_code == 403
    milestones["first"].refresh_from_db()
    assert milestones["first"].percent == 0


def test_a_returned_milestone_report_leaves_the_milestone_alone(roles, brand, milestones):
    link = _submit(milestones["first"], Department.objects.get(name="办公室"), roles.staff, percent=40)

    progress_services.report_return(report=link.report, reviewer=roles.head, comment="请补充材料")

    milestones["first"].refresh_from_db()
    assert (milestones["first"].percent, milestones["first"].status) == (0, "not_started")


def test_two_reports_approved_one_after_the_other_both_count(roles, brand, milestones, item_18):
    # given two milestone reports submitted before either is reviewed
    office = Department.objects.get(name="办公室")
    first = _submit(milestones["first"], office, roles.staff, percent=100, status="done")
    second = _submit(milestones["second"], office, roles.staff, percent=50)
    assert (first.report.percent, second.report.percent) == (10, 5)  # each projected alone

    # when the head approves both
    progress_services.report_approve(report=first.report, reviewer=roles.head)
    progress_services.report_approve(report=second.report, reviewer=roles.head)

    # then item 18 has both: brand (100 + 50) / 2 = 75 → item 75 / 5 = 15
    item_18.refresh_from_db()
    assert item_18.progress_percent == 15
    second.report.refresh_from_db()
    assert second.report.percent == 15


def test_without_review_a_milestone_report_counts_at_once(roles, brand, milestones, item_18):
    WorkPlan.objects.filter(pk=brand.plan_id).update(review_required=False)

    link = _submit(milestones["first"], Department.objects.get(name="办公室"), roles.staff, percent=80)

    milestones["first"].refresh_from_db()
    assert link.report.state == "approved"
    assert milestones["first"].percent == 80
    item_18.refresh_from_db()
    assert item_18.progress_percent == 8  # (80 + 0) / 2 = 40 for the brand, / 5 brands


def test_a_closed_plan_takes_no_milestone_reports(client, roles, brand, milestones, item_18):
    WorkPlan.objects.filter(pk=brand.plan_id).update(status=WorkPlan.Status.CLOSED)
    client.force_login(roles.staff)

    assert _post(client, brand, milestones["first"], item=item_18).status_code == 403
    assert permissions.milestone_reporting_departments(roles.staff, selectors.brand_page(brand_id=brand.pk)) == []


def test_milestone_reports_keep_history_and_appear_on_item_18s_timeline(client, roles, brand, milestones, item_18):
    link = _submit(milestones["first"], Department.objects.get(name="办公室"), roles.staff, percent=30)
    progress_services.report_approve(report=link.report, reviewer=roles.head)

    assert milestones["first"].history.count() == 2  # created, then approved at 30%
    client.force_login(roles.leader)
    page = client.get(item_18.get_absolute_url()).content.decode()
    assert "制定方案" in page  # the report, with its milestone, on item 18's page and timeline


def test_the_form_checks_status_and_percent_like_any_report(client, roles, brand, milestones, item_18):
    client.force_login(roles.staff)

    response = _post(client, brand, milestones["first"], item=item_18, status="done", percent="60")

    assert response.status_code == 400
    assert response.context["form"].errors["percent"]


@pytest.mark.parametrize(
    "brands,expected",
    [
        ([], 0.0),
        ([[]], 0.0),  # a brand without milestones is at 0
        ([[MilestoneFacts(100, "done"), MilestoneFacts(0)]], 50.0),
        ([[MilestoneFacts(100, "done"), MilestoneFacts(50, "in_progress")], [], [], [], []], 15.0),
        ([[MilestoneFacts(30, "done")]], 100.0),  # done counts 100
        ([[MilestoneFacts(33)], [MilestoneFacts(34)], [MilestoneFacts(0)]], 22.3),
    ],
)
def test_item_progress_is_the_mean_of_its_brands(brands, expected):
    assert item_progress(brands) == expected


def test_brand_progress_is_the_mean_of_its_milestones():
    assert brand_progress([MilestoneFacts(100, "done"), MilestoneFacts(40), MilestoneFacts(10)]) == 50.0
    assert brand_progress([]) == 0.0


@pytest.mark.parametrize(
    "brands,percent,status",
    [
        ([[MilestoneFacts(0)], [MilestoneFacts(0)]], 0, "not_started"),
        ([[MilestoneFacts(1, "in_progress")], [MilestoneFacts(0)]], 1, "in_progress"),
        ([[MilestoneFacts(100, "done")], [MilestoneFacts(99)]], 99, "in_progress"),  # 99.5 is not done
        ([[MilestoneFacts(100, "done")], [MilestoneFacts(100, "done")]], 100, "done"),
        ([[MilestoneFacts(20, "delayed")], [MilestoneFacts(50)]], 35, "delayed"),
    ],
)
def test_item_projection(brands, percent, status):
    assert item_projection(brands) == Projection(percent=percent, status=status)


def test_the_rollup_measures_item_18_by_its_brands_even_from_a_co_organizers_milestone(
    roles, organisation_users, co_brand, milestones, item_18
):
    # given 组织基层部 (a co-organizer of item 18) completes a milestone of 党工共建, and it is approved
    from progress.models import ItemRollup

    staff, head = organisation_users
    link = _submit(milestones["co_first"], Department.objects.get(name="组织基层部"), staff, percent=100, status="done")
    progress_services.report_approve(report=link.report, reviewer=head)
    item_18.refresh_from_db()
    assert item_18.progress_percent == 0  # a co-organizer's report is not the item's official progress

    # and its measured target (文化宫全覆盖) is already met, so targets alone would say 100
    item_18.targets.filter(kind="coverage").update(current_value=100)

    # when the roll-up runs
    progress_services.rollup_refresh(plan=item_18.section.plan, today=datetime.date(2020, 7, 1))

    # then item 18 is at the mean of its five brands: 党工共建 (100 + 0) / 2 = 50 → 50 / 5 = 10
    assert float(ItemRollup.objects.get(item=item_18).percent) == 10
