"""The roll-up rule on hand-computed cases: no database, plain numbers and dates."""

import datetime

import pytest

from progress.rollup import (
    GREEN,
    MET,
    MISSED,
    RED,
    UPCOMING,
    YELLOW,
    CheckpointFacts,
    ItemFacts,
    Rules,
    TargetFacts,
    checkpoint_expected,
    checkpoint_met,
    checkpoint_state,
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
        ("count", 4, None, None),  # no reading yet: no measure yet, not 0
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


@pytest.mark.parametrize(
    "case, facts, reported, targets, official, basis",
    [
        # item 8 of the demo: the report says 60 %, the targets 53.8 %: the lower is the official figure
        ("report and targets disagree", dict(reported_percent=60, status="in_progress",
                                             targets=(TargetFacts("count", 13, 7, YEAR_END),)),
         60.0, 53.8, 53.8, "lower_of_both"),
        ("report and targets agree", dict(reported_percent=50, status="in_progress",
                                          targets=(TargetFacts("count", 4, 2, YEAR_END),)),
         50.0, 50.0, 50.0, "both_agree"),
        ("a target without a reading is left out, not 0",
         dict(reported_percent=40, status="in_progress", targets=(TargetFacts("count", 4, None, YEAR_END),)),
         40.0, None, 40.0, "report_only"),
        ("targets only", dict(targets=(TargetFacts("coverage", 100, 70, YEAR_END), TargetFacts("count", 5, None, YEAR_END))),
         None, 70.0, 70.0, "targets_only"),
        ("done and every target met", dict(reported_percent=100, status="done",
                                           targets=(TargetFacts("count", 2, 2, YEAR_END),)),
         100.0, 100.0, 100.0, "done_and_met"),
        ("nothing yet", dict(), None, None, 0.0, "no_data"),
    ],
)
def test_the_official_figure_and_its_two_parts(case, facts, reported, targets, official, basis):
    result = item_rollup(item(**facts), MID_YEAR)
    assert (result.reported_percent, result.targets_percent, result.percent, result.basis) == (
        reported, targets, official, basis), case


def test_unread_targets_are_counted_and_flagged():
    result = item_rollup(item(reported_percent=40, status="in_progress",
                              targets=(TargetFacts("count", 4, None, YEAR_END), TargetFacts("count", 4, 4, YEAR_END))),
                         MID_YEAR)
    assert (result.unread_targets, result.targets_total, result.targets_percent) == (1, 2, 100.0)
    assert "no_reading" in result.flags


QUARTERS = tuple(CheckpointFacts(D(2020, month, day), expected)
                 for month, day, expected in ((3, 31, 25), (6, 30, 60), (9, 30, 80), (12, 31, 100)))


def test_the_expectation_follows_the_checkpoints_not_a_straight_line():
    # given checkpoints expecting 25 / 60 / 80 / 100 % at the quarters' ends
    # then on 30 June 60 % is expected (the straight line says 49.7 %), on 1 April just over 25 %
    on = lambda day: checkpoint_expected(QUARTERS, start=D(2020, 1, 1), due=YEAR_END, today=day)  # noqa: E731
    assert on(D(2020, 6, 30)) == 60.0
    assert on(D(2020, 3, 31)) == 25.0
    assert on(D(2020, 4, 1)) == pytest.approx(25 + 35 / 91)
    assert on(D(2020, 12, 31)) == 100.0
    # a checkpoint without an expected percent does not bend the line
    plain = checkpoint_expected((CheckpointFacts(D(2020, 6, 30)),), start=D(2020, 1, 1), due=YEAR_END,
                                today=D(2020, 7, 1))
    assert plain == pytest.approx(expected_percent(start=D(2020, 1, 1), due=YEAR_END, today=D(2020, 7, 1)))


def _reached(checkpoints, **reached):
    """The checkpoints with what the reports counting for each reached: _reached(QUARTERS, q1=25, q2=55)."""
    return tuple(CheckpointFacts(c.due_date, c.expected_percent, reached.get(f"q{n}"))
                 for n, c in enumerate(checkpoints, start=1))


def test_a_checkpoint_passed_below_its_expectation_turns_the_item_red():
    # given 55 % reported by 30 June, the checkpoint expecting 60 %; seen on 1 July
    behind = item_rollup(item(reported_percent=55, status="in_progress", checkpoints=_reached(QUARTERS, q1=25, q2=55)),
                         MID_YEAR)
    # then it is late (逾期未完成), although 55 is within the margin of the 60.3 % expected
    assert behind.light == RED and "checkpoint_missed" in behind.flags
    assert behind.expected == pytest.approx(60.2, abs=0.1)
    # and once a report answering the checkpoint reaches its 60 % it is no longer late
    caught_up = item_rollup(item(reported_percent=60, status="in_progress",
                                 checkpoints=_reached(QUARTERS, q1=25, q2=60)), MID_YEAR)
    assert caught_up.light == GREEN and "checkpoint_missed" not in caught_up.flags


@pytest.mark.parametrize(
    "expected, reached, done, state",
    [
        (50, 50, False, MET),  # a counting report reached the expectation
        (50, 49, False, MISSED),  # below it, and the date has passed
        (50, None, False, MISSED),  # no counting report at all
        (None, 10, False, MET),  # no percent expected: any counting report meets it
        (None, None, False, MISSED),
        (50, None, True, MET),  # the item is done
    ],
)
def test_what_meets_a_checkpoint(expected, reached, done, state):
    checkpoint = CheckpointFacts(D(2020, 6, 30), expected, reached)
    assert checkpoint_state(checkpoint, today=D(2020, 7, 1), done=done) == state
    assert checkpoint_met(checkpoint, done=done) == (state == MET)


def test_a_checkpoint_not_yet_due_is_upcoming_until_met():
    checkpoint = CheckpointFacts(D(2020, 9, 30), 75, 40)
    assert checkpoint_state(checkpoint, today=D(2020, 9, 30)) == UPCOMING
    assert checkpoint_state(checkpoint, today=D(2020, 10, 1)) == MISSED
    assert checkpoint_state(CheckpointFacts(D(2020, 9, 30), 75, 80), today=D(2020, 7, 1)) == MET


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


def test_the_late_items_are_ranked_worst_first_and_the_rest_are_not_ranked():
    # given, across two sections: an item overdue since May, one red with a later due date than a red one,
    # one only not reported this cycle, one on track and reported, and one done
    overdue = item(key="overdue", due_date=D(2020, 5, 31), reported_percent=90, status="in_progress")
    red_late_due = item(key="red, due in December", reported_percent=10, status="delayed")
    red_early_due = item(key="red, due in September", due_date=D(2020, 9, 30), reported_percent=5,
                         status="delayed")
    unreported = item(key="unreported", reported_percent=60, status="in_progress", last_report_on=D(2020, 4, 1))
    fine = item(key="on track", reported_percent=60, status="in_progress")
    done = item(key="done", reported_percent=100, status="done", due_date=D(2020, 5, 31))
    # when the plan is rolled up
    result = rollup("p", [("A", [unreported, red_late_due, fine]), ("B", [done, red_early_due, overdue])], MID_YEAR)
    # then the late list reads overdue, then red by the earlier due date, then only unreported; the item on
    # track and the done one have no place in it (they are not late)
    assert sorted(result.late_ranks, key=result.late_ranks.get) == [
        "overdue", "red, due in September", "red, due in December", "unreported"]
    assert list(result.late_ranks.values()) and sorted(result.late_ranks.values()) == [1, 2, 3, 4]


def test_late_items_alike_keep_the_plans_order():
    # given three items not reported this cycle, alike in every other way
    alike = [item(key=key, reported_percent=60, status="in_progress", last_report_on=D(2020, 4, 1))
             for key in ("1.1", "1.2", "2.1")]
    # when rolled up, then they rank in the plan's order (section, then item)
    result = rollup("p", [("1", alike[:2]), ("2", alike[2:])], MID_YEAR)
    assert result.late_ranks == {"1.1": 1, "1.2": 2, "2.1": 3}
