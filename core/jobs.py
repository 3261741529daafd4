"""What every Celery task of ours shares: retry on database hiccups, and dates passed as text.

Tasks are envelopes: they take ids or ISO dates, call one service and are safe
to run twice, so a retry or a redelivery costs nothing.
"""

from __future__ import annotations

import datetime

from django.db import DatabaseError

RETRY_ON_DATABASE_ERROR = {
    "autoretry_for": (DatabaseError,),
    "retry_backoff": 30,
    "retry_backoff_max": 600,
    "max_retries": 5,
    "acks_late": True,
}


def date_argument(text: str | None) -> datetime.date | None:
    """A task's date argument ("2020-12-01"); dates travel as text, JSON has no date."""
    return datetime.date.fromisoformat(text) if text else None


def rename_task_names(apps, renames: dict[str, str]) -> None:
    """For a data migration: schedules (django-celery-beat) and outbox messages follow a task's new name.

    A message already in the broker under the old name is not lost: the worker does not
    confirm it, and the outbox publishes its row again, under the new name, within 15 minutes.
    """
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTasks = apps.get_model("django_celery_beat", "PeriodicTasks")
    OutboxMessage = apps.get_model("notifications", "OutboxMessage")
    changed = 0
    for old, new in renames.items():
        changed += PeriodicTask.objects.filter(task=old).update(task=new)
        OutboxMessage.objects.filter(task_name=old).update(task_name=new)
    if changed:
        # Tell a running beat that the schedule changed (what the admin's save does too).
        from django.utils import timezone

        PeriodicTasks.objects.update_or_create(ident=1, defaults={"last_update": timezone.now()})
