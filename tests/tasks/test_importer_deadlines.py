"""完成时限 as plans write it -> due dates, checkpoints, reporting cycles; anything else is kept as text."""

from datetime import date

import pytest
from django.utils import translation

from tasks.importer import parse_deadline, parse_plan_text


@pytest.fixture(autouse=True)
def english_messages():
    with translation.override("en"):
        yield


@pytest.mark.parametrize(
    "text, due",
    [
        ("2023年6月底前", date(2023, 6, 30)),
        ("6月底", date(2022, 6, 30)),
        ("9月30日前", date(2022, 9, 30)),
        ("年底前", date(2022, 12, 31)),
        ("全年", date(2022, 12, 31)),
        ("上半年", date(2022, 6, 30)),
        ("三季度", date(2022, 9, 30)),
        ("第一季度末", date(2022, 3, 31)),
        ("长期坚持", date(2022, 12, 31)),
        ("持续推进", date(2022, 12, 31)),
        ("2023年10月—12月", date(2023, 12, 31)),
        ("２０２３年６月底前完成", date(2023, 6, 30)),
        ("2023.5.20", date(2023, 5, 20)),
        ("11月中旬", date(2022, 11, 20)),
    ],
)
def test_a_deadline_gives_one_due_date(text, due):
    deadline = parse_deadline(text, plan_year=2022)
    assert (deadline.understood, deadline.due_date, deadline.checkpoints, deadline.text) == (True, due, (), text)


def test_every_quarter_gives_four_checkpoints_with_the_share_expected_by_each():
    deadline = parse_deadline("每季度末", plan_year=2023)
    assert [(c.due_date, c.expected_percent) for c in deadline.checkpoints] == [
        (date(2023, 3, 31), 25), (date(2023, 6, 30), 50), (date(2023, 9, 30), 75), (date(2023, 12, 31), 100)]
    assert (deadline.due_date, deadline.reporting_cycle) == (date(2023, 12, 31), "quarterly")


def test_every_half_year_gives_two_checkpoints():
    deadline = parse_deadline("每半年", plan_year=2023)
    assert [(c.due_date, c.expected_percent) for c in deadline.checkpoints] == [
        (date(2023, 6, 30), 50), (date(2023, 12, 31), 100)]


def test_every_month_is_the_items_reporting_cycle():
    deadline = parse_deadline("每月", plan_year=2023)
    assert (deadline.reporting_cycle, deadline.checkpoints, deadline.due_date) == ("monthly", (), date(2023, 12, 31))


def test_several_dates_in_a_row_give_a_checkpoint_each_and_the_last_date():
    deadline = parse_deadline("6月底前完成方案，年底前全面完成", plan_year=2023)
    assert deadline.due_date == date(2023, 12, 31)
    assert [(c.due_date, c.title) for c in deadline.checkpoints] == [
        (date(2023, 6, 30), "6月底前完成方案"), (date(2023, 12, 31), "年底前全面完成")]


@pytest.mark.parametrize("text", ["视情况而定", "2月30日前", "根据上级要求", "13月底"])
def test_a_deadline_not_understood_is_kept_as_text_never_guessed(text):
    deadline = parse_deadline(text, plan_year=2023)
    assert (deadline.understood, deadline.due_date, deadline.text) == (False, None, text)


def test_the_preview_lists_a_deadline_it_did_not_understand():
    plan = parse_plan_text("某局2023年工作要点\n一、部分\n1.工作。（责任部室：办公室；完成时限：看情况）\n")
    assert plan.items[0].deadline.text == "看情况"
    assert plan.warnings == ("line 3: item 1: the deadline “看情况” was not understood; it is kept as written and "
                             "the item is due at the end of the year.",)


def test_a_text_plan_states_its_deadline_and_leader_in_the_clause_or_in_a_bracket_of_their_own():
    plan = parse_plan_text(
        "某局2023年工作要点\n一、部分\n"
        "1.第一项。（责任部室：办公室；责任领导：张三；完成时限：6月底前）\n"
        "2.第二项。（牵头部门：组织部；配合部门：办公室）（完成时限：每季度末）\n"
    )
    first, second = plan.items
    assert (first.body, first.responsible_leader, first.deadline.due_date) == ("第一项。", "张三", date(2023, 6, 30))
    assert second.body == "第二项。"
    assert [r.department for r in second.responsibilities] == ["组织部", "办公室"]
    assert len(second.deadline.checkpoints) == 4
