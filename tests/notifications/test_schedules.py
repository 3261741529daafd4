"""The jobs' default schedules exist after migrate, in django-celery-beat's tables, editable in admin."""

import pytest
from django.urls import reverse
from django_celery_beat.models import PeriodicTask

from unionplan.celery import app

pytestmark = pytest.mark.django_db


def test_default_schedules_exist_after_migrate():
    tasks = {task.task: task for task in PeriodicTask.objects.select_related("crontab", "interval")}
    reminders = tasks["supervision.run_reminders"].crontab
    assert (reminders.minute, reminders.hour, str(reminders.timezone)) == ("30", "8", "Asia/Shanghai")
    rollup = tasks["progress.refresh_rollup"].interval
    assert (rollup.every, rollup.period) == (15, "minutes")
    snapshot = tasks["progress.take_snapshot"].crontab
    assert (snapshot.minute, snapshot.hour) == ("10", "0")
    assert tasks["notifications.drain_outbox"].interval.every == 1
    assert all(task.enabled for task in tasks.values())


def test_every_scheduled_task_is_registered_with_the_worker():
    app.loader.import_default_modules()
    for name in PeriodicTask.objects.values_list("task", flat=True):
        assert name in app.tasks, name


def test_an_admin_edits_a_schedule(admin_client):
    task = PeriodicTask.objects.get(task="supervision.run_reminders")
    page = admin_client.get(reverse("admin:django_celery_beat_periodictask_change", args=[task.pk]))
    assert page.status_code == 200
    response = admin_client.post(
        reverse("admin:django_celery_beat_periodictask_changelist"),
        {"action": "disable_tasks", "_selected_action": [task.pk]},
    )
    assert response.status_code == 302
    task.refresh_from_db()
    assert not task.enabled
