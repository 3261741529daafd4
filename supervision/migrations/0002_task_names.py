"""The reminder job is named after its app now (supervision.run_reminders)."""

from django.db import migrations

from core.jobs import rename_task_names

RENAMES = {
    "tasks.run_reminders": "supervision.run_reminders",
}


def forwards(apps, schema_editor):
    rename_task_names(apps, RENAMES)


def backwards(apps, schema_editor):
    rename_task_names(apps, {new: old for old, new in RENAMES.items()})


class Migration(migrations.Migration):
    dependencies = [
        ("supervision", "0001_initial"),
        ("notifications", "0004_report_reviewed_kind"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
