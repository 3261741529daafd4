"""The roll-up job stores what pages read: per item, section and plan, and a daily snapshot."""

import datetime
from decimal import Decimal

from progress import services as progress_services
from progress.models import ItemRollup, PlanRollup, RollupSnapshot, SectionRollup
from progress.services import rollup_refresh, snapshot_take
from tasks.models import Target, WorkItem
from tests.factories import submit_report


def test_an_approved_report_moves_the_stored_rollup(world, django_assert_max_num_queries):
    # given item 1 reported at 60% by its lead department and approved
    item = WorkItem.objects.get(section__plan=world.plan, number=1)
    report = submit_report(
        item=item, department=world.office, reporter=world.office_staff, status="in_progress", percent=60,
        narrative="推进中",
    )
    progress_services.report_approve(report=report, reviewer=world.office_head)

    # when the roll-up runs (a fixed number of queries, whatever the plan's size)
    with django_assert_max_num_queries(12):
        rollup_refresh(plan=world.plan, today=datetime.date(2020, 6, 30))

    # then the item, its section and the plan carry the figures
    stored = ItemRollup.objects.get(item=item)
    measured = [t for t in item.targets.all() if t.target_value is not None and t.kind != "other"]
    assert stored.percent == (Decimal("0.0") if measured else Decimal("60.0"))
    assert stored.reported_this_cycle
    section = SectionRollup.objects.get(section=item.section)
    assert section.items_green + section.items_yellow + section.items_red == item.section.items.count()
    plan = PlanRollup.objects.get(plan=world.plan)
    sections = list(SectionRollup.objects.filter(section__plan=world.plan).values_list("percent", flat=True))
    assert abs(plan.percent - sum(sections) / len(sections)) <= Decimal("0.1")


def test_placeholders_are_counted_and_targets_met_too(world):
    target = Target.objects.filter(item__section__plan=world.plan, kind="count", target_value__isnull=False).first()
    target.current_value = target.target_value
    target.save()
    rollup_refresh(plan=world.plan, today=datetime.date(2020, 6, 30))
    plan = PlanRollup.objects.get(plan=world.plan)
    placeholders = Target.objects.filter(item__section__plan=world.plan, target_value__isnull=True).count()
    assert plan.placeholders == placeholders
    assert plan.targets_met >= 1


def test_running_again_overwrites_and_a_snapshot_is_replaced_not_doubled(world):
    rollup_refresh(plan=world.plan, today=datetime.date(2020, 3, 1))
    rollup_refresh(plan=world.plan, today=datetime.date(2020, 9, 1))
    assert ItemRollup.objects.count() == WorkItem.objects.filter(section__plan=world.plan).count()
    day = datetime.date(2020, 9, 1)
    snapshot_take(day=day, plan=world.plan)
    snapshot_take(day=day, plan=world.plan)
    assert RollupSnapshot.objects.filter(date=day, section__isnull=True).count() == 1
    assert RollupSnapshot.objects.filter(date=day).count() == 1 + world.plan.sections.count()
