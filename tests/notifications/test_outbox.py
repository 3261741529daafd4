"""Broker down: saving progress still works, the notification waits in the outbox, and goes out when it is back."""

import datetime
import time

import pytest
from django.core import mail
from django.core.management import call_command
from django.urls import reverse

from notifications.models import Notification, OutboxMessage
from progress import services as progress_services
from progress.models import ProgressReport
from tasks.models import WorkItem
from tests.factories import submit_report
from tests.workers import broker_at, closed_port_url, tasks_accepted, wait_for_worker


def _submit(world):
    item = WorkItem.objects.get(section__plan=world.plan, number=1)
    return submit_report(
        item=item, department=world.office, reporter=world.office_staff, status="in_progress", percent=30,
        narrative="已完成第一阶段。",
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
        message = OutboxMessage.objects.get(task_name="progress.notify_report_submitted")
        assert (message.kwargs, message.state) == ({"report_id": report.pk}, "pending")
        assert message.attempts == 1 and message.last_error
        # and so is the recomputation of the plan's figures: delayed, not lost
        refresh = OutboxMessage.objects.get(task_name="progress.refresh_rollup")
        assert (refresh.kwargs["plan_id"], refresh.state) == (report.item.section.plan_id, "pending")
        client.force_login(world.office_head)
        assert client.get(reverse("supervision:my-work")).status_code == 200
        # and the scheduler's drain, still without a broker, keeps it
        call_command("run_job", "outbox")
        assert set(OutboxMessage.objects.values_list("state", flat=True)) == {"pending"}


def test_a_rolled_back_save_leaves_nothing_in_the_outbox(world, django_capture_on_commit_callbacks):
    item = WorkItem.objects.get(section__plan=world.plan, number=1)
    with pytest.raises(progress_services.ProgressConflict), django_capture_on_commit_callbacks(execute=True):
        submit_report(
            item=item, department=world.office, reporter=world.office_staff, status="in_progress", percent=30,
            narrative="x", base_version=item.version + 5,
        )
    assert not OutboxMessage.objects.exists()


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_what_waited_in_the_outbox_is_sent_once_the_broker_is_back(world, robots, redis_worker):
    # given a report saved while the broker was down
    with broker_at(closed_port_url()):
        report = _submit(world)
    assert set(OutboxMessage.objects.values_list("state", flat=True)) == {"pending"}
    review_request = OutboxMessage.objects.filter(task_name="progress.notify_report_submitted")

    # when the broker is back (redis_worker points the app at Redis) and the scheduler drains the outbox
    before = tasks_accepted("progress.notify_report_submitted")
    call_command("run_job", "outbox")

    # then the worker runs the task: the head is asked to review, in-app and by e-mail, once
    assert review_request.get().state in ("published", "done")
    wait_for_worker("progress.notify_report_submitted", at_least=before + 1)
    # and says so: the drain will not publish it again
    deadline = time.monotonic() + 10
    while set(OutboxMessage.objects.values_list("state", flat=True)) != {"done"} and time.monotonic() < deadline:
        time.sleep(0.1)
    assert review_request.get().state == "done"
    # and the plan's figures were recomputed with the report counted
    assert OutboxMessage.objects.get(task_name="progress.refresh_rollup").state == "done"
    notice = Notification.objects.get(recipient=world.office_head)
    assert notice.kind == "review_request" and str(report.item) in notice.title
    assert [m.to for m in mail.outbox] == [[world.office_head.email]]
    call_command("run_job", "outbox")  # draining again sends nothing more
    assert Notification.objects.count() == 1


def _published_message(minutes_ago: int, **fields) -> OutboxMessage:
    from django.utils import timezone

    return OutboxMessage.objects.create(
        task_name="progress.notify_report_submitted", kwargs={"report_id": 1}, state="published",
        published_at=timezone.now() - datetime.timedelta(minutes=minutes_ago), publications=1, **fields
    )


def test_a_message_published_but_never_done_is_published_again(db):
    # given a message the broker lost (published 20 minutes ago, no worker ever ran it) and one that just went out
    from notifications import services as outbox

    lost, recent = _published_message(20), _published_message(1)
    with broker_at(closed_port_url()):
        # when the scheduler drains the outbox while the broker is down
        outcome = outbox.outbox_drain()
    # then the lost one is pending again (not given up), the recent one is left alone
    assert outcome.republished == 1
    assert OutboxMessage.objects.get(pk=lost.pk).state == "pending"
    assert OutboxMessage.objects.get(pk=recent.pk).state == "published"


def test_a_done_message_or_one_published_too_often_is_not_published_again(db):
    from notifications import services as outbox

    done = _published_message(60)
    assert outbox.outbox_mark_done(task_id=f"outbox-{done.pk}")
    tired = _published_message(60, last_error="")
    OutboxMessage.objects.filter(pk=tired.pk).update(publications=outbox.OUTBOX_MAX_PUBLICATIONS)
    with broker_at(closed_port_url()):
        assert outbox.outbox_drain().republished == 0
    assert OutboxMessage.objects.get(pk=done.pk).state == "done"
    assert OutboxMessage.objects.get(pk=tired.pk).state == "published"
    # a task id that is not an outbox message's changes nothing
    assert not outbox.outbox_mark_done(task_id="3f0c1a9e-celery-beat")
