"""A real Celery worker on the real Redis runs the reminder job: right people, every channel, once."""

import pytest
from django.core import mail

from notifications.models import Delivery, Notification, ReminderLog
from supervision.tasks import run_reminders
from tests.workers import tasks_accepted, wait_for_worker

pytestmark = pytest.mark.redis


def test_the_reminder_job_on_a_worker_sends_to_the_right_people_on_every_channel_once(world, robots, redis_worker):
    # given the 2020 plan, nothing reported, on its last day (催办 day)
    # when beat's job is enqueued twice (a schedule that fired twice)
    before = tasks_accepted("supervision.run_reminders")
    run_reminders.delay(date="2020-12-31")
    run_reminders.delay(date="2020-12-31")

    # then the worker claims every reminder once and sends each delivery
    wait_for_worker("supervision.run_reminders", at_least=before + 2)
    assert ReminderLog.objects.exists()
    assert not Delivery.objects.exclude(state="sent").exists()
    assert len(mail.outbox) == Delivery.objects.filter(channel="email").count()
    office = f"department:{world.office.pk}:"
    overdue = ReminderLog.objects.filter(kind="overdue", audience=f"{office}heads").order_by("pk").first()
    # the head: in-app and e-mail; the department's WeCom and DingTalk robots: one post each
    assert Notification.objects.filter(recipient=world.office_head, reminder=overdue).count() == 1
    assert [m.to for m in mail.outbox if m.subject == overdue.title] == [[world.office_head.email]]
    assert not Notification.objects.filter(recipient=world.office_staff, reminder=overdue).exists()
    wecom = [p for p in robots.posts_to("/cgi-bin/webhook/send", key="office-key")
             if overdue.title in p.payload["markdown"]["content"]]
    dingtalk = [p for p in robots.posts_to("/robot/send", access_token="office-token")
                if p.payload["markdown"]["title"] == overdue.title[:64]]
    assert len(wecom) == len(dingtalk) == 1
    # the reporting-cycle reminder reaches the staff too, and each (reminder, person) exactly once
    assert Notification.objects.filter(recipient=world.office_staff, kind="report_due").exists()
    pairs = list(Notification.objects.values_list("recipient_id", "reminder_id"))
    assert len(pairs) == len(set(pairs))
    office_reminders = ReminderLog.objects.filter(audience__startswith=office).count()
    assert len(robots.posts_to("/cgi-bin/webhook/send", key="office-key")) == office_reminders
