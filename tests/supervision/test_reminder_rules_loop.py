"""The reminder rules of the 督办 loop, on plain facts: checkpoints (节点), 批示 deadlines, chases, summary reports,
per-item reporting cycles, and the one 督办 a day to leadership."""

import dataclasses
import datetime

from progress.rollup import CheckpointFacts, checkpoint_met
from supervision.reminders import (
    CheckpointDuty,
    ChaseFacts,
    Duty,
    InstructionFacts,
    ItemFacts,
    Rules,
    SummaryFacts,
    due_reminders,
)

D = datetime.date
START = D(2020, 1, 1)
LEAD, CO = Duty(10, "lead"), Duty(20, "co_organizer")
# A checkpoint on 06-30 expecting 50 %, one of another department (30) on 09-30 expecting 75 %.
JUNE = CheckpointDuty(100, CheckpointFacts(D(2020, 6, 30), 50.0))
SEPTEMBER = CheckpointDuty(101, CheckpointFacts(D(2020, 9, 30), 75.0), department_id=30)


def item(percent=20.0, checkpoints=(JUNE, SEPTEMBER), **kwargs):
    """The item with its checkpoints met or not as progress.rollup.checkpoint_met says of a report at `percent`
    (the job reads that from the reports that count for each checkpoint)."""
    judged = tuple(dataclasses.replace(c, met=checkpoint_met(dataclasses.replace(c.facts, reached=percent)))
                   for c in checkpoints)
    return ItemFacts(item_id=1, due_date=D(2020, 12, 31), duties=(LEAD, CO), percent=percent,
                     checkpoints=judged, **kwargs)


def planned(today, items=None, **facts):
    escalated_on = facts.pop("escalated_on", ())
    rules = Rules(today=today, plan_start=START, **facts.pop("rules", {}))
    return due_reminders(7, [item()] if items is None else items, rules, escalated_on=escalated_on, **facts)


def keys(today, kinds=("due_soon", "overdue", "summary_due"), subject="", **facts):
    return sorted(p.key for p in planned(today, **facts) if p.kind in kinds and p.subject.startswith(subject))


def escalation(today, **facts):
    found = [p for p in planned(today, **facts) if p.kind == "escalation"]
    assert len(found) <= 1, "one 督办 a plan a day"
    return found[0] if found else None


def lines(today, **facts):
    found = escalation(today, **facts)
    return [] if found is None else [(line.kind, line.subject_id, line.department_id) for line in found.lines]


# ---------------------------------------------------------------------------
# Checkpoints


def test_before_a_checkpoint_its_departments_are_reminded_at_the_lead_times():
    assert keys(D(2020, 5, 31), subject="checkpoint:") == [
        ("checkpoint:100", "department:10:staff", "due_soon", "2020-06-30/30d"),
        ("checkpoint:100", "department:20:staff", "due_soon", "2020-06-30/30d"),
    ]
    assert keys(D(2020, 6, 29), subject="checkpoint:")[0][3] == "2020-06-30/1d"
    # a checkpoint with a department of its own reminds that department only
    assert keys(D(2020, 9, 23), subject="checkpoint:") == [
        ("checkpoint:101", "department:30:staff", "due_soon", "2020-09-30/7d")]


def test_a_checkpoint_already_met_or_of_a_done_item_is_not_reminded():
    assert keys(D(2020, 6, 23), items=[item(percent=60.0)], subject="checkpoint:") == []
    assert keys(D(2020, 6, 30), items=[item(done=True)], subject="checkpoint:") == []


def test_a_checkpoint_on_the_items_due_date_is_left_to_the_items_own_reminders():
    last = CheckpointDuty(102, CheckpointFacts(D(2020, 12, 31), 100.0))
    assert keys(D(2020, 12, 24), items=[item(checkpoints=(last,))], subject="checkpoint:") == []


def test_a_checkpoint_not_met_on_its_date_is_chased_with_the_lead_heads():
    assert keys(D(2020, 6, 30), kinds=("overdue",)) == [
        ("checkpoint:100", "department:10:heads", "overdue", "2020-06-30")]
    assert keys(D(2020, 9, 30), kinds=("overdue",)) == [
        ("checkpoint:101", "department:30:heads", "overdue", "2020-09-30")]
    assert keys(D(2020, 6, 30), kinds=("overdue",), items=[item(percent=50.0)]) == []


def test_a_missed_checkpoint_escalates_n_days_later_unless_met_meanwhile():
    assert lines(D(2020, 7, 7)) == [("checkpoint", 100, 10)]
    assert lines(D(2020, 7, 7), items=[item(percent=55.0)]) == []
    assert lines(D(2020, 7, 3), rules={"escalation_days": 3}) == [("checkpoint", 100, 10)]


def test_a_missed_checkpoint_moment_is_caught_up_but_not_a_stale_one():
    # the job did not run on 06-30: the 催办 goes out on 07-02; on 07-08 it is stale
    assert keys(D(2020, 7, 2), kinds=("overdue",)) == [
        ("checkpoint:100", "department:10:heads", "overdue", "2020-06-30")]
    assert keys(D(2020, 7, 8), kinds=("overdue",)) == []


# ---------------------------------------------------------------------------
# 批示 deadlines

INSTRUCTION = InstructionFacts(8, 1, D(2020, 7, 15), (10, 40))


def test_an_unanswered_instruction_is_reminded_two_days_before_its_deadline():
    assert keys(D(2020, 7, 13), items=[], instructions=[INSTRUCTION]) == [
        ("instruction:8", "department:10:staff", "due_soon", "2020-07-15/2d"),
        ("instruction:8", "department:40:staff", "due_soon", "2020-07-15/2d"),
    ]
    assert keys(D(2020, 7, 12), items=[], instructions=[INSTRUCTION]) == []
    assert keys(D(2020, 7, 11), items=[], instructions=[INSTRUCTION], rules={"instruction_days": 4})[0][3] == \
        "2020-07-15/4d"
    answered = InstructionFacts(8, 1, D(2020, 7, 15), (10,), answered=True)
    assert keys(D(2020, 7, 13), items=[], instructions=[answered]) == []


def test_an_instruction_unanswered_past_its_deadline_joins_the_next_days_escalation():
    assert lines(D(2020, 7, 15), items=[], instructions=[INSTRUCTION]) == []
    assert lines(D(2020, 7, 16), items=[], instructions=[INSTRUCTION]) == [("instruction", 8, 10)]
    answered = InstructionFacts(8, 1, D(2020, 7, 15), (10,), answered=True)
    assert lines(D(2020, 7, 16), items=[], instructions=[answered]) == []


# ---------------------------------------------------------------------------
# Chases


def test_a_chased_department_that_did_not_answer_by_the_reply_by_date_is_escalated():
    late = ChaseFacts(target_id=5, chase_id=3, department_id=20, reply_by=D(2020, 7, 10))
    answered = ChaseFacts(target_id=6, chase_id=3, department_id=10, reply_by=D(2020, 7, 10), replied=True)
    assert lines(D(2020, 7, 10), items=[], chases=[late, answered]) == []
    assert lines(D(2020, 7, 11), items=[], chases=[late, answered]) == [("chase", 5, 20)]


# ---------------------------------------------------------------------------
# Summary reports

HALF_YEAR = SummaryFacts(requirement_id=2, due_date=D(2020, 7, 10), unsent_department_ids=(10, 20))


def test_departments_that_have_not_sent_a_summary_are_reminded_before_and_on_the_day():
    assert keys(D(2020, 7, 5), items=[], summaries=[HALF_YEAR]) == [
        ("summary:2", "department:10:staff", "summary_due", "2020-07-10/5d"),
        ("summary:2", "department:20:staff", "summary_due", "2020-07-10/5d"),
    ]
    assert keys(D(2020, 7, 4), items=[], summaries=[HALF_YEAR]) == []
    assert [k[3] for k in keys(D(2020, 7, 10), items=[], summaries=[HALF_YEAR])] == ["2020-07-10/0d"] * 2
    # a missed 5-day reminder is caught up on the 7th, not sent on the due day beside the day's own
    assert keys(D(2020, 7, 7), items=[], summaries=[HALF_YEAR])[0][3] == "2020-07-10/5d"
    sent = SummaryFacts(requirement_id=2, due_date=D(2020, 7, 10), unsent_department_ids=(20,))
    assert [k[1] for k in keys(D(2020, 7, 10), items=[], summaries=[sent])] == ["department:20:staff"]


def test_a_summary_not_sent_after_its_due_day_joins_the_escalation():
    assert lines(D(2020, 7, 11), items=[], summaries=[HALF_YEAR]) == [("summary", 2, 10), ("summary", 2, 20)]
    assert keys(D(2020, 7, 11), items=[], summaries=[HALF_YEAR]) == []  # no more department reminders


# ---------------------------------------------------------------------------
# Per-item reporting cycles


def test_an_items_own_quarterly_cycle_is_asked_at_the_quarters_end_only():
    quarterly = ItemFacts(item_id=1, due_date=D(2020, 12, 31), duties=(LEAD,), cycle_months=3)
    monthly = ItemFacts(item_id=2, due_date=D(2020, 12, 31), duties=(LEAD,))
    may = keys(D(2020, 5, 25), kinds=("report_due",), items=[quarterly, monthly])
    assert may == [("item:2", "department:10:staff", "report_due", "2020-05-25")]
    june = keys(D(2020, 6, 25), kinds=("report_due",), items=[quarterly, monthly])
    assert [k[0] for k in june] == ["item:1", "item:2"]
    # reported in April: the quarter (03-26 … 06-25) is answered
    reported = ItemFacts(item_id=1, due_date=D(2020, 12, 31), duties=(Duty(10, "lead", D(2020, 4, 2)),),
                         cycle_months=3)
    assert keys(D(2020, 6, 25), kinds=("report_due",), items=[reported]) == []


# ---------------------------------------------------------------------------
# One 督办 a plan a day, each line once


OVERDUE_ITEM = ItemFacts(item_id=2, due_date=D(2020, 6, 30), duties=(Duty(10, "lead"),))
CHASE = ChaseFacts(target_id=5, chase_id=3, department_id=20, reply_by=D(2020, 7, 6))
INSTRUCTION_DUE_0706 = InstructionFacts(8, 1, D(2020, 7, 6), (40,))
HALF_YEAR_0706 = SummaryFacts(requirement_id=2, due_date=D(2020, 7, 6), unsent_department_ids=(20,))
EVERYTHING = {"items": [item(), OVERDUE_ITEM], "instructions": [INSTRUCTION_DUE_0706], "chases": [CHASE],
              "summaries": [HALF_YEAR_0706]}


def test_items_checkpoints_instructions_chases_and_summaries_go_in_one_message_a_day():
    # 06-30 + 7: the item and the checkpoint; 07-06 + 1: the instruction, the chase and the summary
    found = escalation(D(2020, 7, 7), **EVERYTHING)
    assert found.key == ("plan:7", "leadership", "escalation", "2020-07-07")
    assert sorted((line.kind, line.subject_id) for line in found.lines) == [
        ("chase", 5), ("checkpoint", 100), ("instruction", 8), ("item", 2), ("summary", 2)]
    assert found.by_department == {10: [2]}


def test_a_line_sent_in_one_days_escalation_is_not_listed_again():
    # 07-07's 督办 went out: on 07-08 nothing is new
    assert escalation(D(2020, 7, 8), escalated_on=[D(2020, 7, 7)], **EVERYTHING) is None
    # the same day again (a retry, a second worker): the same message, the same key — claimed once
    again = escalation(D(2020, 7, 7), escalated_on=[D(2020, 7, 7)], **EVERYTHING)
    assert again == escalation(D(2020, 7, 7), **EVERYTHING)
    assert len(again.lines) == 5


def test_a_missed_days_escalation_lines_go_with_the_next_one():
    # the job did not run on 07-07; on 07-09 the lines of 07-07 go out, once
    found = escalation(D(2020, 7, 9), escalated_on=[D(2020, 7, 1)], **EVERYTHING)
    assert found.period == "2020-07-09" and len(found.lines) == 5
    assert escalation(D(2020, 7, 10), escalated_on=[D(2020, 7, 1), D(2020, 7, 9)], **EVERYTHING) is None
    # lines whose moment is stale are not sent any more
    assert escalation(D(2020, 7, 20), **EVERYTHING) is None
