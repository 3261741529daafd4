"""The roll-up job stores what pages read: per item, section and plan, and a daily snapshot."""

import datetime
from decimal import Decimal

from progress import services as progress_services
from progress.models import ItemRollup, LeadRollup, PlanRollup, RollupSnapshot, SectionRollup
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

    # when the roll-up runs (a fixed number of queries, whatever the plan's size: three of them count each
    # department's items per section, LeadRollup)
    with django_assert_max_num_queries(15):
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
    # and the office's count in that section holds the item with its figure, as the dashboard will show it
    led = LeadRollup.objects.get(section=item.section, department=world.office)
    office_items = ItemRollup.objects.filter(item__section=item.section, item__responsibilities__role="lead",
                                             item__responsibilities__department=world.office)
    assert (led.items, led.shown) == (office_items.count(), office_items.count())
    assert led.percent_sum == float(sum(r.percent for r in office_items))
    assert led.late == office_items.filter(late_rank__isnull=False).count()


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


def test_every_stored_item_rollup_is_the_computed_one_field_by_field(world):
    # given the plan computed as of 30 June, with one item whose reported part another app measures
    today = datetime.date(2020, 6, 30)
    result = progress_services.rollup_compute(plan=world.plan, today=today)
    first = result.items[0]
    result.measured_by[first.key] = 'a "b", \\ {c}'  # quoting survives the one-statement upsert

    # when it is stored over an older roll-up (every row an update, not an insert)
    rollup_refresh(plan=world.plan, today=datetime.date(2020, 3, 1))
    progress_services.rollup_store(plan=world.plan, result=result)

    # then each item's row carries exactly what the rule gave
    stored = {row.item_id: row for row in ItemRollup.objects.filter(item__section__plan=world.plan)}
    assert len(stored) == len(result.items)
    for item in result.items:
        row = stored[item.key]
        dec = lambda value: None if value is None else Decimal(str(value))  # noqa: E731
        assert (row.percent, row.expected_percent, row.reported_percent, row.targets_percent) == (
            dec(item.percent), dec(item.expected), dec(item.reported_percent), dec(item.targets_percent))
        assert (row.light, row.basis, row.is_done, row.is_overdue, row.reported_this_cycle) == (
            item.light, item.basis, item.done, item.overdue, item.reported_this_cycle)
        assert (row.targets_total, row.targets_met, row.placeholders, row.unread_targets) == (
            item.targets_total, item.targets_met, item.placeholders, item.unread_targets)
        assert row.flags == list(item.flags)
        assert row.measured_by == result.measured_by.get(item.key, "")


def test_a_hand_computed_item_is_stored_as_computed(world):
    # given item 1 with its targets cleared to one count target 10, 4 done, due at the year's end,
    # and its lead's approved report at 60%
    item = WorkItem.objects.get(section__plan=world.plan, number=1)
    item.checkpoints.all().delete()
    item.targets.all().delete()
    Target.objects.create(item=item, order=0, phrase="", subject="t", kind="count", target_value=10,
                          current_value=4, unit="", due_date=datetime.date(2020, 12, 31))
    report = submit_report(item=item, department=world.office, reporter=world.office_staff, status="in_progress",
                           percent=60, narrative="推进中")
    progress_services.report_approve(report=report, reviewer=world.office_head)

    # when rolled up on 30 June 2020 (day 182 of 366)
    rollup_refresh(plan=world.plan, today=datetime.date(2020, 6, 30))

    # then: targets 4/10 = 40%, reported 60%, official the lower (40%); expected 182/366 = 49.7%;
    # 9.7 points behind is within the margin of 10, reported this cycle: green
    row = ItemRollup.objects.get(item=item)
    assert (row.targets_percent, row.reported_percent, row.percent) == (Decimal("40.0"), Decimal("60.0"),
                                                                          Decimal("40.0"))
    assert row.basis == "lower_of_both" and row.expected_percent == Decimal("49.7")
    assert (row.targets_total, row.targets_met, row.placeholders, row.unread_targets) == (1, 0, 0, 0)
    assert row.light == "green" and row.flags == [] and not row.is_done and not row.is_overdue


def test_the_stored_rollup_ranks_the_late_items_and_the_migration_ranks_old_rollups_alike(world):
    # given the plan rolled up half-way through the year: most items are late (not reported, overdue)
    rollup_refresh(plan=world.plan, today=datetime.date(2020, 6, 30))
    stored = {r.item_id: r for r in ItemRollup.objects.filter(item__section__plan=world.plan)}
    ranked = sorted((r for r in stored.values() if r.late_rank is not None), key=lambda r: r.late_rank)
    # then every late item has a place (1, 2, …), worst first, and no other item has one
    assert [r.late_rank for r in ranked] == list(range(1, len(ranked) + 1)) and ranked
    assert all((r.late_rank is not None) == (not r.is_done and (r.light == "red" or r.is_overdue
                                                               or not r.reported_this_cycle))
               for r in stored.values())
    assert [r.is_overdue for r in ranked] == sorted((r.is_overdue for r in ranked), reverse=True)

    # and roll-ups stored before the rank existed get the same places from the migration that added it
    import importlib

    from django.apps import apps

    migration = importlib.import_module("progress.migrations.0009_itemrollup_late_rank")
    ItemRollup.objects.update(late_rank=None)
    migration.rank_late_items(apps, None)
    assert {r.item_id: r.late_rank for r in ItemRollup.objects.filter(item__section__plan=world.plan)} == {
        pk: r.late_rank for pk, r in stored.items()}


def test_a_department_that_hands_over_its_items_leaves_the_stored_counts(world):
    # given a roll-up in which the office leads items
    from tasks.services import responsibilities_move

    rollup_refresh(plan=world.plan, today=datetime.date(2020, 6, 30))
    led = sum(LeadRollup.objects.filter(department=world.office).values_list("items", flat=True))
    assert led
    other = LeadRollup.objects.exclude(department=world.office).values_list("department", flat=True).first()
    from departments.models import Department

    target = Department.objects.get(pk=other)
    before = sum(LeadRollup.objects.filter(department=target).values_list("items", flat=True))

    # when it hands every item to another department: the hand-over asks for the figures again
    from notifications.models import OutboxMessage

    OutboxMessage.objects.all().delete()
    responsibilities_move(source=world.office, target=target)
    asked = OutboxMessage.objects.filter(task_name="progress.refresh_rollup").values_list("kwargs", flat=True)
    assert [kwargs["plan_id"] for kwargs in asked] == [world.plan.pk]
    # and the roll-up runs again
    rollup_refresh(plan=world.plan, today=datetime.date(2020, 6, 30))

    # then the office leads nothing in the stored counts, and the other department leads its items too
    assert not LeadRollup.objects.filter(department=world.office).exists()
    assert sum(LeadRollup.objects.filter(department=target).values_list("items", flat=True)) == before + led
