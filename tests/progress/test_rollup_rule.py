"""The roll-up rule on hand-computed cases: no database, plain numbers and dates."""

import datetime

import pytest

from progress.rollup import (
    GREEN,
    RED,
    YELLOW,
    ItemFacts,
    Rules,
    TargetFacts,
    expected_percent,
    item_rollup,
    rollup,
    target_progress,
)

D = datetime.date
YEAR_END = D(2020, 12, 31)
# 2020-07-01 is day 183 of 366: 50.0% of the year has passed by its end.
MID_YEAR = Rules(today=D(2020, 7, 1), plan_start=D(2020, 1, 1), margin=10, reporting_day=25)
REPORTED = D(2020, 6, 28)  # within the cycle 2020-05-26 .. 2020-06-25 or later


def item(**kwargs):
    return ItemFacts(**({"key": 1, "due_date": YEAR_END, "last_report_on": REPORTED} | kwargs))


@pytest.mark.parametrize(
    "kind, goal, current, progress",
    [
        ("count", 4, 1, 25.0),  # current/target
        ("count", 4, 6, 100.0),  # capped
        ("count", 4, None, 0.0),  # no reading yet
        ("percentage", 95, 80, 80.0),  # the rate itself
        ("percentage", 95, 95, 100.0),  # met
        ("coverage", 100, 60, 60.0),  # covered so far
        ("coverage", 100, 100, 100.0),  # 全覆盖 met
        ("count", None, 3, None),  # placeholder 待定: no measure
        ("other", 1, 1, None),
    ],
)
def test_target_progress(kind, goal, current, progress):
    assert target_progress(TargetFacts(kind, goal, current, YEAR_END)) == progress


def test_expected_progress_is_the_share_of_time_elapsed():
    assert expected_percent(start=D(2020, 1, 1), due=YEAR_END, today=D(2020, 7, 1)) == pytest.approx(50.0)
    assert expected_percent(start=D(2020, 1, 1), due=YEAR_END, today=YEAR_END) == 100.0
    # a two-year target (利用2年…) is a quarter expected at mid-first-year: 183 / 731 days
    assert expected_percent(start=D(2020, 1, 1), due=D(2021, 12, 31), today=D(2020, 7, 1)) == pytest.approx(
        100 * 183 / 731
    )


@pytest.mark.parametrize(
    "case, facts, percent, light, flags",
    [
        ("targets only: mean of 25 and 80", dict(targets=(TargetFacts("count", 4, 1, YEAR_END),
                                                          TargetFacts("percentage", 95, 80, YEAR_END))),
         52.5, GREEN, ()),
        ("report only", dict(reported_percent=45, status="in_progress"), 45.0, GREEN, ()),
        ("both: the lower, report lower", dict(reported_percent=30, status="in_progress",
                                               targets=(TargetFacts("coverage", 100, 100, YEAR_END),)),
         30.0, YELLOW, ("behind",)),
        ("both: the lower, targets lower", dict(reported_percent=90, status="in_progress",
                                                targets=(TargetFacts("count", 10, 5, YEAR_END),)),
         50.0, GREEN, ()),
        ("placeholder left out of the mean and flagged", dict(targets=(TargetFacts("count", None, 9, YEAR_END),
                                                                      TargetFacts("count", 2, 1, YEAR_END))),
         50.0, GREEN, ("placeholder",)),
        ("only a placeholder: no data", dict(targets=(TargetFacts("count", None, None, YEAR_END),)),
         0.0, YELLOW, ("placeholder", "no_data", "behind")),
        ("reported delayed (滞后) is red", dict(reported_percent=60, status="delayed"), 60.0, RED, ("delayed",)),
        ("no report this cycle is yellow", dict(reported_percent=55, status="in_progress",
                                                last_report_on=D(2020, 5, 20)), 55.0, YELLOW, ("not_reported",)),
        ("done is 100 and green", dict(reported_percent=100, status="done", last_report_on=None), 100.0, GREEN, ()),
        ("done but a target short: the target shows", dict(reported_percent=100, status="done",
                                                           targets=(TargetFacts("count", 10, 8, YEAR_END),)),
         80.0, GREEN, ()),
    ],
)
def test_item_rollup(case, facts, percent, light, flags):
    result = item_rollup(item(**facts), MID_YEAR)
    assert (result.percent, result.light, result.flags) == (percent, light, flags), case


def test_overdue_item_is_red():
    result = item_rollup(item(due_date=D(2020, 6, 30), reported_percent=90, status="in_progress"), MID_YEAR)
    assert result.light == RED and result.overdue and "overdue" in result.flags


def test_a_two_year_target_is_measured_against_its_own_due_date():
    # given a target of 10 due at the end of 2021 with 2 done, on 2021-01-01 (day 367 of 731)
    rules = Rules(today=D(2021, 1, 1), plan_start=D(2020, 1, 1), margin=10)
    two_year = item(due_date=YEAR_END, targets=(TargetFacts("count", 10, 2, D(2021, 12, 31)),),
                    last_report_on=D(2020, 12, 28))
    # when rolled up
    result = item_rollup(two_year, rules)
    # then it is 20% against an expectation of ~50.2% (behind: yellow), and its target is not late;
    # the item itself is past its own due date, so it is red as overdue.
    assert result.percent == 20.0
    assert result.expected == pytest.approx(50.2, abs=0.05)
    assert result.overdue  # the item's own due date passed
    on_time = item_rollup(
        ItemFacts(key=2, due_date=D(2021, 12, 31), targets=(TargetFacts("count", 10, 6, D(2021, 12, 31)),),
                  last_report_on=D(2020, 12, 28)),
        rules,
    )
    assert (on_time.percent, on_time.light, on_time.overdue) == (60.0, GREEN, False)


def test_section_is_the_weighted_mean_and_the_plan_the_mean_of_sections():
    # given section A: items at 20% (weight 1) and 80% (weight 3); section B: one item at 40%
    a = [item(key=1, reported_percent=20, status="in_progress", weight=1),
         item(key=2, reported_percent=80, status="in_progress", weight=3)]
    b = [item(key=3, reported_percent=40, status="in_progress")]
    # when rolled up
    result = rollup("plan", [("A", a), ("B", b)], MID_YEAR)
    # then A = (20 + 240) / 4 = 65, B = 40, the plan = (65 + 40) / 2 = 52.5 (not the item mean 46.7)
    assert [s.percent for s in result.sections] == [65.0, 40.0]
    assert result.plan.percent == 52.5
    assert result.sections[0].items == {"green": 1, "yellow": 1, "red": 0, "done": 0}


def test_group_lights():
    late = item(key=1, reported_percent=10, status="delayed")
    fine = item(key=2, reported_percent=60, status="in_progress")
    # one red item of three: a third red -> red section
    assert rollup("p", [("s", [late, fine, fine])], MID_YEAR).sections[0].light == RED
    # one red of four: the section is yellow
    assert rollup("p", [("s", [late, fine, fine, fine])], MID_YEAR).sections[0].light == YELLOW
    # all on track: green
    assert rollup("p", [("s", [fine, fine])], MID_YEAR).sections[0].light == GREEN
    # behind by more than twice the margin on average: red
    slow = item(key=3, reported_percent=25, status="in_progress")
    assert rollup("p", [("s", [slow])], MID_YEAR).sections[0].light == RED


def test_placeholders_are_counted_per_section():
    facts = [item(key=1, targets=(TargetFacts("count", None, None, YEAR_END), TargetFacts("count", 2, 2, YEAR_END)))]
    section = rollup("p", [("s", facts)], MID_YEAR).sections[0]
    assert (section.placeholders, section.targets_total, section.targets_met) == (1, 1, 1)
