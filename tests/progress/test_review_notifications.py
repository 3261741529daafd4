"""A reporter learns what became of their report: approved, or returned with the head's comment, once."""

from django.core import mail

from notifications.models import Notification, OutboxMessage
from progress import services as progress_services
from tasks.models import WorkItem
from tests.factories import submit_report


def _submit(world, percent=40):
    item = WorkItem.objects.get(section__plan=world.plan, number=1)
    return submit_report(
        item=item, department=world.office, reporter=world.office_staff, status="in_progress", percent=percent,
        narrative="已完成第一阶段。",
    )


def test_a_returned_report_reaches_its_reporter_with_the_comment(world):
    report = _submit(world)
    progress_services.report_return(report=report, reviewer=world.office_head, comment="请补充培训人数。")

    # the review asks for a notice through the outbox (a broker outage would keep it)
    assert OutboxMessage.objects.filter(task_name="progress.notify_report_reviewed", kwargs={"report_id": report.pk}).exists()
    mail.outbox.clear()
    progress_services.report_reviewed_notify(report_id=report.pk)

    notice = Notification.objects.get(recipient=world.office_staff, kind="report_reviewed")
    assert "强化理论武装" in notice.title and "请补充培训人数。" in notice.body
    assert notice.url == report.get_absolute_url()
    assert [m.to for m in mail.outbox] == [[world.office_staff.email]]


def test_an_approval_is_told_once_however_often_the_task_runs(world):
    report = _submit(world, percent=60)
    progress_services.report_approve(report=report, reviewer=world.office_head)

    progress_services.report_reviewed_notify(report_id=report.pk)
    progress_services.report_reviewed_notify(report_id=report.pk)

    notice = Notification.objects.get(recipient=world.office_staff, kind="report_reviewed")
    assert "60%" in notice.body
    assert not Notification.objects.filter(kind="report_reviewed").exclude(recipient=world.office_staff).exists()


def test_nobody_is_told_about_a_report_counted_as_it_was_sent(world):
    # a plan without review: the reporter's own report is approved at once
    world.plan.review_required = False
    world.plan.save(update_fields=["review_required"])
    report = _submit(world)
    assert report.state == "approved"

    assert progress_services.report_reviewed_notify(report_id=report.pk) == 0
    assert not Notification.objects.filter(kind="report_reviewed").exists()
