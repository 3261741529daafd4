"""Broker down: saving progress still works, the notification waits in the outbox, and goes out when it is back."""

import pytest
from django.core import mail
from django.core.management import call_command
from django.urls import reverse

from notifications.models import Notification, OutboxMessage
from tasks import services
from tasks.models import ProgressReport, WorkItem
from tests.jobs.conftest import broker_at, closed_port_url, tasks_accepted, wait_for_worker


def _submit(world):
    item = WorkItem.objects.get(section__plan=world.plan, number=1)
    return services.report_submit(
        item=item, department=world.office, reporter=world.office_staff, status="in_progress", percent=30,
        narrative="已完成第一阶段。", readings={}, evidence=[], base_version=item.version,
    )


def test_a_progress_save_succeeds_and_waits_in_the_outbox_while_the_broker_is_down(
    world, client, django_capture_on_commit_callbacks
):
    with broker_at(closed_port_url()):
        # when staff save a report (the after-commit publish fails)
        with django_capture_on_commit_callbacks(execute=True):
            report = _submit(world)
        # then the report is saved, the task is kept, and pages still work
        assert ProgressReport.objects.filter(pk=report.pk).exists()
        message = OutboxMessage.objects.get()
        assert (message.task_name, message.kwargs, message.state) == (
            "tasks.notify_report_submitted", {"report_id": report.pk}, "pending"
        )
        assert message.attempts == 1 and message.last_error
        client.force_login(world.office_head)
        assert client.get(reverse("tasks:my-work")).status_code == 200
        # and the scheduler's drain, still without a broker, keeps it
        call_command("run_job", "outbox")
        assert OutboxMessage.objects.get().state == "pending"


def test_a_rolled_back_save_leaves_nothing_in_the_outbox(world, django_capture_on_commit_callbacks):
    item = WorkItem.objects.get(section__plan=world.plan, number=1)
    with pytest.raises(services.ProgressConflict), django_capture_on_commit_callbacks(execute=True):
        services.report_submit(
            item=item, department=world.office, reporter=world.office_staff, status="in_progress", percent=30,
            narrative="x", readings={}, evidence=[], base_version=item.version + 5,
        )
    assert not OutboxMessage.objects.exists()


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_what_waited_in_the_outbox_is_sent_once_the_broker_is_back(world, robots, redis_worker):
    # given a report saved while the broker was down
    with broker_at(closed_port_url()):
        report = _submit(world)
    assert OutboxMessage.objects.get().state == "pending"

    # when the broker is back (redis_worker points the app at Redis) and the scheduler drains the outbox
    before = tasks_accepted("tasks.notify_report_submitted")
    call_command("run_job", "outbox")

    # then the worker runs the task: the head is asked to review, in-app and by e-mail, once
    assert OutboxMessage.objects.get().state == "published"
    wait_for_worker("tasks.notify_report_submitted", at_least=before + 1)
    notice = Notification.objects.get(recipient=world.office_head)
    assert notice.kind == "review_request" and str(report.item) in notice.title
    assert [m.to for m in mail.outbox] == [[world.office_head.email]]
    call_command("run_job", "outbox")  # draining again sends nothing more
    assert Notification.objects.count() == 1
