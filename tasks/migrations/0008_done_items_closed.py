"""Items already done before checks (销号) existed count as checked: the past is not reopened."""

from django.db import migrations
from django.db.models import F


def forwards(apps, schema_editor):
    WorkItem = apps.get_model("tasks", "WorkItem")
    WorkItem.objects.filter(status="done", closed_at__isnull=True).update(closed_at=F("last_report_at"))


class Migration(migrations.Migration):
    dependencies = [("tasks", "0007_extensions_and_closing")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
