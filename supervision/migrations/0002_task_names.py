"""The reminder job is named after its app now (supervision.run_reminders)."""

from django.db import migrations

from core.app_moves import rename_tasks


class Migration(migrations.Migration):
    dependencies = [
        ("supervision", "0001_initial"),
        ("notifications", "0004_report_reviewed_kind"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [rename_tasks({"tasks.run_reminders": "supervision.run_reminders"})]
