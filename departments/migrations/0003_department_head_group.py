import django.db.models.deletion
from django.db import migrations, models


def create_head_groups(apps, schema_editor):
    Department = apps.get_model("departments", "Department")
    Group = apps.get_model("auth", "Group")
    Membership = apps.get_model("departments", "Membership")
    for department in Department.objects.filter(head_group__isnull=True):
        department.head_group = Group.objects.create(name=f"department:{department.pk}:heads")
        department.save(update_fields=["head_group"])
        for membership in Membership.objects.filter(department=department, role="head"):
            membership.user.groups.add(department.head_group)


class Migration(migrations.Migration):
    dependencies = [("departments", "0002_role_groups"), ("auth", "0012_alter_user_first_name_max_length")]

    operations = [
        migrations.AddField(
            model_name="department",
            name="head_group",
            field=models.OneToOneField(
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="headed_department",
                to="auth.group",
                verbose_name="heads' permission group",
            ),
        ),
        migrations.RunPython(create_head_groups, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="department",
            name="head_group",
            field=models.OneToOneField(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="headed_department",
                to="auth.group",
                verbose_name="heads' permission group",
            ),
        ),
    ]
