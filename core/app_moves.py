"""Data-migration steps for models and tasks that moved to another app without moving a row.

Used by the migrations of the apps that took over from tasks/ (progress,
supervision): the tables keep their names, and these steps make what points at
the old app point at the new one.
"""

from __future__ import annotations

from django.db import migrations


def move_content_types(*, models: list[str], old: str, new: str) -> migrations.RunPython:
    """Content types of `models` change app label: permissions and admin log entries follow them."""

    def relabel(apps, source: str, target: str) -> None:
        # A type made for the new label already (a partial migrate ran post_migrate in between)
        # holds nothing of value yet and gives way to the old one.
        ContentType = apps.get_model("contenttypes", "ContentType")
        for model in models:
            existing = ContentType.objects.filter(app_label=source, model=model).first()
            if existing is None:
                continue
            ContentType.objects.filter(app_label=target, model=model).delete()
            existing.app_label = target
            existing.save(update_fields=["app_label"])

    return migrations.RunPython(lambda apps, editor: relabel(apps, old, new), lambda apps, editor: relabel(apps, new, old))


def rename_tasks(renames: dict[str, str]) -> migrations.RunPython:
    """Beat schedules (django-celery-beat) and outbox messages follow a Celery task's new name.

    A message already in the broker under the old name is not lost: the worker does not
    confirm it, and the outbox publishes its row again, under the new name, within 15 minutes.
    """

    def rename(apps, names: dict[str, str]) -> None:
        PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
        PeriodicTasks = apps.get_model("django_celery_beat", "PeriodicTasks")
        OutboxMessage = apps.get_model("notifications", "OutboxMessage")
        changed = 0
        for old, new in names.items():
            changed += PeriodicTask.objects.filter(task=old).update(task=new)
            OutboxMessage.objects.filter(task_name=old).update(task_name=new)
        if changed:
            # Tell a running beat that the schedule changed (what the admin's save does too).
            from django.utils import timezone

            PeriodicTasks.objects.update_or_create(ident=1, defaults={"last_update": timezone.now()})

    backwards = {new: old for old, new in renames.items()}
    return migrations.RunPython(lambda apps, editor: rename(apps, renames), lambda apps, editor: rename(apps, backwards))
