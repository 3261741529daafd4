"""The roll-up, snapshot and report-notification tasks are named after their app now (progress.*)."""

from django.db import migrations

from core.jobs import rename_task_names

RENAMES = {
    "tasks.refresh_rollup": "progress.refresh_rollup",
    "tasks.take_snapshot": "progress.take_snapshot",
    "tasks.notify_report_submitted": "progress.notify_report_submitted",
    "tasks.notify_report_reviewed": "progress.notify_report_reviewed",
}


def forwards(apps, schema_editor):
    rename_task_names(apps, RENAMES)


def backwards(apps, schema_editor):
    rename_task_names(apps, {new: old for old, new in RENAMES.items()})


class Migration(migrations.Migration):
    dependencies = [
        ("progress", "0001_initial"),
        ("notifications", "0004_report_reviewed_kind"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
