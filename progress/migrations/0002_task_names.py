"""The roll-up, snapshot and report-notification tasks are named after their app now (progress.*)."""

from django.db import migrations

from core.app_moves import rename_tasks


class Migration(migrations.Migration):
    dependencies = [
        ("progress", "0001_initial"),
        ("notifications", "0004_report_reviewed_kind"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [rename_tasks({
        "tasks.refresh_rollup": "progress.refresh_rollup",
        "tasks.take_snapshot": "progress.take_snapshot",
        "tasks.notify_report_submitted": "progress.notify_report_submitted",
        "tasks.notify_report_reviewed": "progress.notify_report_reviewed",
    })]
