"""Each reminder reaches each person and robot once: run twice, run concurrently, crash half-way."""

import datetime
import threading
from collections import Counter

import pytest
from django.core import mail
from django.db import connection

from notifications.models import Delivery, Notification, ReminderLog
from supervision.services import reminders_run
from tests.conftest import require_service
from tests.crash import CrashAfterSendBackend, WorkerKilled

# A sender killed mid-job and two workers racing: run once in CI, on PostgreSQL.
pytestmark = pytest.mark.fault

NEW_YEARS_EVE = datetime.date(2020, 12, 31)  # the 催办 day of every 2020 item, and a reporting cycle still fresh


def assert_each_sent_once(world, robots):
    emails = Counter((message.subject, tuple(message.to)) for message in mail.outbox)
    assert emails and max(emails.values()) == 1
    # the one whose sender died after handing it over counts as sent: it was, once
    assert len(mail.outbox) == Delivery.objects.filter(channel="email", state__in=["sent", "sending"]).count()
    notices = Counter(Notification.objects.values_list("recipient_id", "reminder_id"))
    assert notices and max(notices.values()) == 1
    office_reminders = ReminderLog.objects.filter(audience__startswith=f"department:{world.office.pk}:").count()
    wecom = robots.posts_to("/cgi-bin/webhook/send", key="office-key")
    dingtalk = robots.posts_to("/robot/send", access_token="office-token")
    assert len(wecom) == len(dingtalk) == office_reminders > 0
    assert len({post.payload["markdown"]["content"] for post in wecom}) == office_reminders


def test_running_the_job_twice_sends_nothing_more(world, robots):
    first = reminders_run(today=NEW_YEARS_EVE)
    second = reminders_run(today=NEW_YEARS_EVE)
    assert first.claimed > 0 and first.failed == 0
    assert (second.claimed, second.already_sent, second.sent) == (0, first.claimed, 0)
    assert_each_sent_once(world, robots)


def test_the_head_and_staff_get_their_reminders_on_every_channel(world, robots):
    reminders_run(today=NEW_YEARS_EVE)
    head_mail = [m for m in mail.outbox if m.to == [world.office_head.email]]
    staff_mail = [m for m in mail.outbox if m.to == [world.office_staff.email]]
    overdue = ReminderLog.objects.filter(kind="overdue", audience=f"department:{world.office.pk}:heads")
    assert overdue.exists()
    # 催办 goes to the head only; the reporting-cycle reminders to all of the department
    assert {m.subject for m in head_mail} >= set(overdue.values_list("title", flat=True))
    assert not {m.subject for m in staff_mail} & set(overdue.values_list("title", flat=True))
    assert Notification.objects.filter(recipient=world.office_staff, kind="report_due").exists()
    assert world.office_head.notifications.filter(read_at__isnull=True).count() == len(head_mail)


def test_a_crash_between_send_and_log_does_not_send_again(world, robots, settings):
    # given a worker that dies right after handing the second e-mail to the mail server
    settings.EMAIL_BACKEND = "tests.crash.CrashAfterSendBackend"
    CrashAfterSendBackend.sent = 0
    with pytest.raises(WorkerKilled):
        reminders_run(today=NEW_YEARS_EVE)
    stuck = Delivery.objects.get(state="sending")
    assert stuck.channel == "email" and len(mail.outbox) == 2

    # when the job runs again (the next day's schedule, a retry, another worker)
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    again = reminders_run(today=NEW_YEARS_EVE)

    # then what was left is sent, the one whose outcome is unknown is not sent twice, and admin shows it
    assert again.claimed == 0 and again.sent > 0
    assert Delivery.objects.filter(state="sending").get() == stuck
    assert not Delivery.objects.filter(state__in=["pending", "failed"]).exists()
    assert_each_sent_once(world, robots)


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_runs_send_each_reminder_once(world, robots):
    # SQLite's in-memory test database locks whole tables across threads: a real database answers this.
    require_service("postgres", connection.vendor == "postgresql", "concurrent writers need PostgreSQL")
    barrier = threading.Barrier(2)
    errors = []

    def run():
        try:
            barrier.wait(timeout=10)
            reminders_run(today=NEW_YEARS_EVE)
        except Exception as error:  # reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors
    assert Delivery.objects.exclude(state="sent").count() == 0
    assert_each_sent_once(world, robots)


def test_of_two_senders_of_one_delivery_only_one_gets_it(world, robots):
    # given a planned reminder whose deliveries both workers see as due
    reminders_run(today=NEW_YEARS_EVE, dry_run=True)
    from notifications import services
    from notifications.services import ReminderKey

    services.reminder_claim(key=ReminderKey("item:1", "x", "due_soon", "p"), title="t", body="b",
                            users=[world.office_staff])
    delivery = Delivery.objects.get(channel="email")
    # when both try to send it, one after the other having read it as pending
    first = services.delivery_send(delivery_id=delivery.pk)
    second = services.delivery_send(delivery_id=delivery.pk)
    # then one sends and the other finds it taken
    assert (first, second) == ("sent", None)
    assert len(mail.outbox) == 1
