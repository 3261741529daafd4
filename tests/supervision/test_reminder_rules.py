"""Which reminders are due on a day: the pure rules, on plain facts."""

import datetime

import pytest

from supervision.reminders import (
    CheckpointDuty,
    CheckpointFacts,
    Duty,
    ItemFacts,
    Rules,
    TargetFacts,
    due_reminders,
    parse_lead_days,
)
from tasks.cycles import current_cycle

D = datetime.date
START = D(2020, 1, 1)
ITEM = ItemFacts(item_id=1, due_date=D(2020, 12, 31), duties=(Duty(10, "lead"), Duty(20, "co_organizer")))


def keys(today, items=(ITEM,), kinds=("due_soon", "overdue", "escalation"), **rules):
    planned = due_reminders(7, items, Rules(today=today, plan_start=START, **rules))
    return sorted(p.key for p in planned if p.kind in kinds)


def test_lead_times_remind_every_responsible_department():
    assert keys(D(2020, 12, 1)) == [
        ("item:1", "department:10:staff", "due_soon", "2020-12-31/30d"),
        ("item:1", "department:20:staff", "due_soon", "2020-12-31/30d"),
    ]
    assert keys(D(2020, 12, 24))[0][3] == "2020-12-31/7d"
    assert keys(D(2020, 12, 30))[0][3] == "2020-12-31/1d"


def test_a_missed_day_is_caught_up_but_a_stale_moment_is_not():
    # the 30-day moment was 12-01; on 12-05 it is still sent, on 12-20 (19 days late) it is not
    assert keys(D(2020, 12, 5))[0][3] == "2020-12-31/30d"
    assert keys(D(2020, 12, 20)) == []


def test_lead_times_are_configurable():
    assert parse_lead_days("14, 3,0,,3") == (14, 3)
    assert keys(D(2020, 12, 17), lead_days=(14, 3))[0][3] == "2020-12-31/14d"


def test_reporting_cycle_reminds_only_departments_that_have_not_reported():
    reported = ItemFacts(item_id=1, due_date=D(2020, 12, 31),
                         duties=(Duty(10, "lead", D(2020, 5, 2)), Duty(20, "co_organizer", D(2020, 4, 20))))
    assert keys(D(2020, 5, 25), items=(reported,), kinds=("report_due",)) == [("item:1", "department:20:staff", "report_due", "2020-05-25")]
    assert current_cycle(D(2020, 5, 25), reporting_day=25, plan_start=START).start == D(2020, 4, 26)
    # before the first reporting day of the plan nothing is asked
    assert keys(D(2020, 1, 20), items=(reported,), kinds=("report_due",)) == []


def test_overdue_goes_to_the_lead_head_then_escalates_to_leadership():
    assert keys(D(2020, 12, 31)) == [("item:1", "department:10:heads", "overdue", "2020-12-31")]
    planned = due_reminders(7, (ITEM,), Rules(today=D(2021, 1, 7), plan_start=START))
    escalated = [p for p in planned if p.kind == "escalation"]
    # one 督办 a day: the key's period is the day it goes out
    assert [p.key for p in escalated] == [("plan:7", "leadership", "escalation", "2021-01-07")]
    assert escalated[0].by_department == {10: [1]}
    assert keys(D(2021, 1, 3), escalation_days=3)[-1][2] == "escalation"


def test_done_items_and_met_targets_are_left_alone():
    done = ItemFacts(item_id=1, due_date=D(2020, 12, 31), done=True, duties=(Duty(10, "lead"),))
    assert keys(D(2020, 12, 31), items=(done,), kinds=("due_soon", "overdue", "escalation", "report_due")) == []
    two_year = ItemFacts(item_id=2, due_date=D(2020, 12, 31), duties=(Duty(10, "lead", D(2021, 11, 30)),),
                         targets=(TargetFacts(5, D(2021, 12, 31)),))
    assert ("target:5", "department:10:staff", "due_soon", "2021-12-31/30d") in keys(D(2021, 12, 1), items=(two_year,))
    met = ItemFacts(item_id=2, due_date=D(2020, 12, 31), duties=(Duty(10, "lead"),),
                    targets=(TargetFacts(5, D(2021, 12, 31), met=True),))
    assert not [k for k in keys(D(2021, 12, 1), items=(met,)) if k[0] == "target:5"]


@pytest.mark.parametrize("months, today, start, reporting", [
    (1, datetime.date(2020, 7, 1), datetime.date(2020, 5, 26), datetime.date(2020, 6, 25)),
    (3, datetime.date(2020, 7, 1), datetime.date(2020, 3, 26), datetime.date(2020, 6, 25)),
    (3, datetime.date(2020, 6, 24), datetime.date(2020, 1, 1), datetime.date(2020, 3, 25)),
    (6, datetime.date(2020, 11, 30), datetime.date(2020, 1, 1), datetime.date(2020, 6, 25)),
])
def test_quarterly_and_half_yearly_cycles_close_on_their_months(months, today, start, reporting):
    cycle = current_cycle(today, reporting_day=25, plan_start=datetime.date(2020, 1, 1), months=months)
    assert (cycle.start, cycle.reporting_date) == (start, reporting)


def test_a_checkpoint_not_met_is_reminded_before_and_chased_on_its_date():
    # given a 30 June checkpoint of item 1 (lead: department 10, co-organizer 20), not met
    item = ItemFacts(item_id=1, due_date=D(2020, 12, 31), duties=ITEM.duties,
                     checkpoints=(CheckpointDuty(3, CheckpointFacts(D(2020, 6, 30)), None),))
    # then the item's departments are reminded 7 days before, and the lead's heads chased on the day (as for items)
    reminded = keys(D(2020, 6, 23), items=(item,))
    assert ("checkpoint:3", "department:10:staff", "due_soon", "2020-06-30/7d") in reminded
    assert keys(D(2020, 6, 30), items=(item,)) == [("checkpoint:3", "department:10:heads", "overdue", "2020-06-30")]
    # a met checkpoint is nobody's; one of its own department is that department's
    met = ItemFacts(item_id=1, due_date=D(2020, 12, 31), duties=ITEM.duties,
                    checkpoints=(CheckpointDuty(3, CheckpointFacts(D(2020, 6, 30)), None, met=True),))
    assert keys(D(2020, 6, 30), items=(met,)) == []
    theirs = ItemFacts(item_id=1, due_date=D(2020, 12, 31), duties=ITEM.duties,
                       checkpoints=(CheckpointDuty(3, CheckpointFacts(D(2020, 6, 30)), 20),))
    assert keys(D(2020, 6, 30), items=(theirs,)) == [("checkpoint:3", "department:20:heads", "overdue", "2020-06-30")]


def test_a_quarterly_item_is_asked_for_its_report_only_at_quarter_ends():
    quarterly = ItemFacts(item_id=1, due_date=D(2020, 12, 31), duties=(Duty(10, "lead", D(2020, 3, 20)),),
                          cycle_months=3)
    assert keys(D(2020, 5, 25), items=(quarterly,), kinds=("report_due",)) == []
    assert keys(D(2020, 6, 25), items=(quarterly,), kinds=("report_due",)) == [
        ("item:1", "department:10:staff", "report_due", "2020-06-25")]
