import datetime

from django.db import migrations, models


def rank_late_items(apps, schema_editor):
    """The stored roll-ups get their place in the late list as the next roll-up would give it
    (progress.rollup.late_ranks), so the late list is not empty until then."""
    ItemRollup = apps.get_model("progress", "ItemRollup")
    WorkPlan = apps.get_model("tasks", "WorkPlan")
    for plan_id in WorkPlan.objects.values_list("pk", flat=True):
        rollups = list(ItemRollup.objects.filter(item__section__plan_id=plan_id, is_done=False)
                       .select_related("item__section").order_by("item__section__number", "item__number"))
        late = [r for r in rollups if r.light == "red" or r.is_overdue or not r.reported_this_cycle]
        late.sort(key=lambda r: (not r.is_overdue, r.light != "red", r.item.due_date or datetime.date.max))
        for rank, rollup in enumerate(late, start=1):
            rollup.late_rank = rank
        ItemRollup.objects.bulk_update(late, ["late_rank"], batch_size=1000)


class Migration(migrations.Migration):

    dependencies = [
        ('progress', '0008_merge_speed'),
        ('tasks', '0001_initial'),
    ]

    operations = [
        migrations.AddField(
            model_name='itemrollup',
            name='late_rank',
            field=models.PositiveIntegerField(blank=True, db_index=True, null=True, verbose_name='place in the late list'),
        ),
        migrations.RunPython(rank_late_items, migrations.RunPython.noop),
    ]
