from django.db import migrations

SUPERVISION_GROUP = "supervision"  # departments.roles; frozen here as migrations must be


def create_group(apps, schema_editor):
    apps.get_model("auth", "Group").objects.get_or_create(name=SUPERVISION_GROUP)


class Migration(migrations.Migration):
    dependencies = [("departments", "0004_profile")]

    operations = [migrations.RunPython(create_group, migrations.RunPython.noop)]
