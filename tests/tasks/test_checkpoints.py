"""Checkpoints (节点) on the item page and the plan's checkpoint table: who edits them, what is refused,
what the timeline keeps, the quarterly bulk action, cycles and plan settings, and when a checkpoint is met."""

from __future__ import annotations

import datetime
import zoneinfo
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.translation import gettext as _

from departments.models import Department
from progress import selectors as progress_selectors
from progress import services as progress_services
from progress.models import ProgressReport
from tasks import selectors, services
from tasks.models import Checkpoint, CheckpointTarget, WorkItem, WorkPlan
from tests.api_client import API, client_for, report_body
from tests.factories import submit_report

pytestmark = pytest.mark.django_db
D = datetime.date


@pytest.fixture(autouse=True)
def mid_2020():
    with time_machine.travel(datetime.datetime(2020, 7, 1, 10, 0, tzinfo=zoneinfo.ZoneInfo("Asia/Shanghai")), tick=True):
        yield


def _item(plan, number) -> WorkItem:
    return selectors.item_detail(item_id=WorkItem.objects.get(section__plan=plan, number=number).pk)


def _add(item, user, **changes) -> Checkpoint:
    values = {"due_date": D(2020, 6, 30), "title": "完成方案", "expected_percent": 50} | changes
    return services.checkpoint_create(item=item, user=user, **values)


# ---------------------------------------------------------------------------
# The service refuses bad input field by field and saves nothing.


@pytest.mark.parametrize(
    "changes, field, message",
    [
        ({"due_date": D(2019, 12, 31)}, "due_date", "The date must fall within the plan's year (%(start)s to %(end)s)."),
        ({"due_date": D(2021, 1, 1)}, "due_date", "The date must fall within the plan's year (%(start)s to %(end)s)."),
        ({"expected_percent": 101}, "expected_percent", "The expected progress is a percentage from 0 to 100."),
        ({"expected_percent": -1}, "expected_percent", "The expected progress is a percentage from 0 to 100."),
        ({"title": "   "}, "title", "Say what is due by this date."),
    ],
)
def test_a_checkpoint_with_bad_input_is_refused_on_its_field(roles, plan_2020, changes, field, message):
    item = _item(plan_2020, 1)
    with pytest.raises(ValidationError) as refusal:
        _add(item, roles.supervisor, **changes)
    assert list(refusal.value.message_dict) == [field]
    assert refusal.value.message_dict[field][0].startswith(_(message).split("%")[0])
    assert not Checkpoint.objects.filter(item=item).exists()


def test_an_expectation_lower_than_an_earlier_checkpoints_is_refused(roles, plan_2020):
    item = _item(plan_2020, 1)
    _add(item, roles.supervisor, due_date=D(2020, 6, 30), expected_percent=50)
    with pytest.raises(ValidationError) as refusal:
        _add(item, roles.supervisor, due_date=D(2020, 9, 30), expected_percent=40, title="推进")
    assert "2020-06-30" in refusal.value.message_dict["expected_percent"][0]
    with pytest.raises(ValidationError) as refusal:
        _add(item, roles.supervisor, due_date=D(2020, 3, 31), expected_percent=60, title="启动")
    assert "expected_percent" in refusal.value.message_dict
    assert item.checkpoints.count() == 1


def test_a_negative_expected_target_value_is_refused_and_nothing_is_half_saved(roles, plan_2020):
    item = _item(plan_2020, 16)  # two 培训班: a count target
    target = item.targets.get(unit="期")
    with pytest.raises(ValidationError) as refusal:
        _add(item, roles.supervisor, target_values={target.pk: Decimal("-1")})
    assert list(refusal.value.message_dict) == [f"target_{target.pk}"]
    assert not Checkpoint.objects.filter(item=item).exists() and not CheckpointTarget.objects.exists()


def test_a_closed_plan_takes_no_checkpoint(roles, plan_2020):
    services.plan_close(plan=plan_2020)
    with pytest.raises(services.PlanClosed):
        _add(_item(plan_2020, 1), roles.supervisor)


# ---------------------------------------------------------------------------
# The item page and its timeline.


def test_every_change_of_a_checkpoint_is_on_the_items_timeline(roles, plan_2020):
    item = _item(plan_2020, 16)
    target = item.targets.get(unit="期")
    first = _add(item, roles.supervisor, target_values={target.pk: Decimal(1)})
    second = _add(item, roles.supervisor, due_date=D(2020, 12, 31), title="全面完成", expected_percent=100)
    services.checkpoint_update(checkpoint=first, user=roles.plan_admin, due_date=D(2020, 7, 15), title="完成方案",
                               expected_percent=60, target_values={target.pk: Decimal(2)})
    assert services.checkpoint_move(checkpoint=second, user=roles.supervisor, up=True)
    services.checkpoint_delete(checkpoint=Checkpoint.objects.get(pk=second.pk), user=roles.supervisor)

    events = [e for e in selectors.item_field_changes(item=item) if e.kind == "checkpoint"]
    texts = " | ".join(e.text for e in events)
    assert (_("Checkpoint added: %(checkpoint)s") % {"checkpoint": "2020-06-30 完成方案 (50%)"}) in texts
    assert "2020-06-30 → 2020-07-15" in texts and "50 → 60" in texts
    assert "1 → 2" in texts and "1.00" not in texts
    assert (_("Checkpoint removed: %(checkpoint)s") % {"checkpoint": "2020-12-31 全面完成 (100%)"}) in texts
    assert {e.actor for e in events} == {roles.supervisor, roles.plan_admin}


def test_saving_a_checkpoint_unchanged_writes_no_history(roles, plan_2020):
    item = _item(plan_2020, 1)
    checkpoint = _add(item, roles.supervisor)
    before = Checkpoint.history.count()
    services.checkpoint_update(checkpoint=checkpoint, user=roles.supervisor, due_date=D(2020, 6, 30),
                               title="完成方案", expected_percent=50)
    assert Checkpoint.history.count() == before


def test_everyone_sees_the_checkpoints_and_only_managers_get_the_buttons(client, roles, plan_2020):
    item = _item(plan_2020, 1)
    _add(item, roles.supervisor, due_date=D(2020, 3, 31), expected_percent=25, title="启动")
    _add(item, roles.supervisor, due_date=D(2020, 9, 30), expected_percent=75, title="推进")
    for user, buttons in ((roles.staff, False), (roles.leader, False), (roles.supervisor, True),
                          (roles.plan_admin, True)):
        client.force_login(user)
        response = client.get(item.get_absolute_url())
        page = response.content.decode()
        assert "启动" in page and "推进" in page
        states = {c.title: c.state for c in response.context["checkpoints"]}
        assert states == {"启动": "missed", "推进": "upcoming"}  # nothing reported by 31 March
        assert (reverse("tasks:checkpoint-create", args=[item.pk]) in page) is buttons


def test_the_form_page_refuses_bad_input_with_field_messages(client, roles, plan_2020):
    item = _item(plan_2020, 1)
    client.force_login(roles.supervisor)
    url = reverse("tasks:checkpoint-create", args=[item.pk])
    for data, field in (
        ({"due_date": "2021-03-31", "title": "x", "expected_percent": "10"}, "due_date"),
        ({"due_date": "2020-03-31", "title": "x", "expected_percent": "120"}, "expected_percent"),
        ({"due_date": "2020-03-31", "title": "", "expected_percent": "10"}, "title"),
        ({"due_date": "2020-03-31", "title": "x", "expected_percent": "-5"}, "expected_percent"),
    ):
        response = client.post(url, data)
        assert response.status_code == 400, data
        assert field in response.context["form"].errors, (data, response.context["form"].errors)
    _add(item, roles.supervisor, due_date=D(2020, 6, 30), expected_percent=50)
    response = client.post(url, {"due_date": "2020-09-30", "title": "推进", "expected_percent": "40"})
    assert response.status_code == 400 and "expected_percent" in response.context["form"].errors
    response = client.post(url, {"due_date": "2020-09-30", "title": "推进", "expected_percent": "75"})
    assert response.status_code == 302 and item.checkpoints.count() == 2


def test_up_and_down_reorder_the_list(client, roles, plan_2020):
    item = _item(plan_2020, 1)
    a = _add(item, roles.supervisor, due_date=D(2020, 3, 31), expected_percent=None, title="甲")
    b = _add(item, roles.supervisor, due_date=D(2020, 3, 31), expected_percent=None, title="乙")
    client.force_login(roles.supervisor)
    client.post(reverse("tasks:checkpoint-move", args=[b.pk]), {"direction": "up"})
    assert [c.title for c in selectors.item_checkpoints(item=item)] == ["乙", "甲"]
    client.post(reverse("tasks:checkpoint-move", args=[b.pk]), {"direction": "down"})
    assert [c.title for c in selectors.item_checkpoints(item=item)] == ["甲", "乙"]
    assert not services.checkpoint_move(checkpoint=Checkpoint.objects.get(pk=a.pk), user=roles.supervisor, up=True)


# ---------------------------------------------------------------------------
# When a checkpoint is met: the one definition (progress.rollup.checkpoint_met).


def _approve(report, reviewer):
    progress_services.report_approve(report=report, reviewer=reviewer)


def test_a_checkpoint_is_met_by_an_approved_report_answering_it_even_late(roles, plan_2020, django_user_model):
    item = _item(plan_2020, 1)
    office = Department.objects.get(name="办公室")
    spring = _add(item, roles.supervisor, due_date=D(2020, 3, 31), expected_percent=25, title="启动")
    summer = _add(item, roles.supervisor, due_date=D(2020, 6, 30), expected_percent=50, title="过半")
    states = lambda: progress_selectors.checkpoint_states(item_ids=[item.pk], today=D(2020, 7, 1))  # noqa: E731
    assert states() == {spring.pk: "missed", summer.pk: "missed"}
    # a report on 1 July at 60 % not answering either: too late for both
    _approve(submit_report(item=item, department=office, reporter=roles.staff, percent=60), roles.head)
    assert states() == {spring.pk: "missed", summer.pk: "missed"}
    # one answering the June checkpoint meets it (not the March one)
    _approve(submit_report(item=item, department=office, reporter=roles.staff, percent=55, checkpoint=summer),
             roles.head)
    assert states() == {spring.pk: "missed", summer.pk: "met"}
    # and the light follows the same rule: the March checkpoint is still 逾期未完成
    progress_services.rollup_refresh(plan=plan_2020)
    assert "checkpoint_missed" in progress_selectors.item_official(item_id=item.pk).flags


def test_an_approved_report_dated_by_the_checkpoint_counts_for_it(roles, plan_2020):
    item = _item(plan_2020, 1)
    office = Department.objects.get(name="办公室")
    checkpoint = _add(item, roles.supervisor, due_date=D(2020, 7, 31), expected_percent=30, title="七月")
    report = submit_report(item=item, department=office, reporter=roles.staff, percent=30)
    assert progress_selectors.checkpoint_states(item_ids=[item.pk], today=D(2020, 8, 1)) == {checkpoint.pk: "missed"}
    _approve(report, roles.head)  # awaiting review did not count; approved it does
    assert progress_selectors.checkpoint_states(item_ids=[item.pk], today=D(2020, 8, 1)) == {checkpoint.pk: "met"}


def test_the_report_form_offers_the_next_checkpoint_not_met(client, roles, plan_2020):
    item = _item(plan_2020, 1)
    office = Department.objects.get(name="办公室")
    spring = _add(item, roles.supervisor, due_date=D(2020, 3, 31), expected_percent=25, title="启动")
    autumn = _add(item, roles.supervisor, due_date=D(2020, 9, 30), expected_percent=75, title="推进")
    _approve(submit_report(item=item, department=office, reporter=roles.staff, percent=30, checkpoint=spring),
             roles.head)
    client.force_login(roles.staff)
    form = client.get(reverse("progress:report-create", args=[item.pk])).context["form"]
    assert form["checkpoint"].initial == autumn.pk
    item.refresh_from_db()
    response = client.post(reverse("progress:report-create", args=[item.pk]), {
        "status": "in_progress", "percent": "60", "narrative": "推进中。", "version": item.version,
        "checkpoint": autumn.pk})
    assert response.status_code == 302
    assert ProgressReport.objects.latest("pk").checkpoint == autumn


def test_the_api_takes_a_checkpoint_of_the_reports_item_only(roles, plan_2020):
    item = _item(plan_2020, 1)
    mine = _add(item, roles.supervisor)
    other = _add(_item(plan_2020, 9), roles.supervisor)
    client = client_for(roles.staff)
    refused = client.post(f"{API}/reports/", report_body(item, checkpoint=other.pk), format="json")
    assert refused.status_code == 400 and "checkpoint" in refused.json()
    assert not ProgressReport.objects.exists()
    created = client.post(f"{API}/reports/", report_body(item, checkpoint=mine.pk), format="json")
    assert created.status_code == 201 and created.json()["checkpoint"] == mine.pk
    with pytest.raises(ValidationError):
        submit_report(item=item, department=Department.objects.get(name="办公室"), reporter=roles.staff,
                      checkpoint=other)


# ---------------------------------------------------------------------------
# The plan's checkpoint table and the quarterly bulk action.


def test_quarterly_checkpoints_for_chosen_items_skip_those_with_one_on_those_dates(client, roles, plan_2020):
    section3 = plan_2020.sections.get(number=3)
    first, second, third = list(section3.items.order_by("number"))[:3]
    _add(_item(plan_2020, third.number), roles.supervisor, due_date=D(2020, 6, 30), expected_percent=40)
    client.force_login(roles.supervisor)
    response = client.post(reverse("tasks:plan-checkpoints-quarterly", args=[plan_2020.pk]), {
        "items": [first.pk, second.pk, third.pk], "q1": "20", "q2": "50", "q3": "80", "q4": "100"}, follow=True)
    assert response.status_code == 200
    page = response.content.decode()
    assert (_("%(created)d checkpoints created on %(items)d items; %(skipped)d items skipped "
              "(they have checkpoints on those dates, or ones the new ones would contradict).")
            % {"created": 8, "items": 2, "skipped": 1}) in page
    assert list(first.checkpoints.order_by("due_date").values_list("due_date", "expected_percent")) == [
        (D(2020, 3, 31), 20), (D(2020, 6, 30), 50), (D(2020, 9, 30), 80), (D(2020, 12, 31), 100)]
    assert third.checkpoints.count() == 1
    assert Checkpoint.history.filter(item_id=first.pk, history_user=roles.supervisor).count() == 4


def test_select_all_in_a_section_and_refusals_of_the_bulk_form(client, roles, plan_2020):
    section3 = plan_2020.sections.get(number=3)
    client.force_login(roles.plan_admin)
    url = reverse("tasks:plan-checkpoints-quarterly", args=[plan_2020.pk])
    nothing = client.post(url, {"q1": "25", "q2": "50", "q3": "75", "q4": "100"})
    assert nothing.status_code == 400 and "items" in nothing.context["form"].errors
    falling = client.post(url, {"sections": [section3.pk], "q1": "25", "q2": "50", "q3": "40", "q4": "100"})
    assert falling.status_code == 400 and "q3" in falling.context["form"].errors
    too_much = client.post(url, {"sections": [section3.pk], "q1": "25", "q2": "50", "q3": "75", "q4": "101"})
    assert too_much.status_code == 400 and "q4" in too_much.context["form"].errors
    assert not Checkpoint.objects.filter(item__section=section3).exists()
    client.post(url, {"sections": [section3.pk], "q1": "25", "q2": "50", "q3": "75", "q4": "100"})
    assert all(item.checkpoints.exists() for item in section3.items.all())


def test_the_checkpoint_table_reads_a_fixed_number_of_queries(client, roles, plan_2020, django_assert_max_num_queries):
    client.force_login(roles.supervisor)
    url = reverse("tasks:plan-checkpoints", args=[plan_2020.pk])
    services.checkpoints_quarterly(plan=plan_2020, item_ids=[plan_2020.sections.get(number=1).items.first().pk],
                                   percents=(25, 50, 75, 100), user=roles.supervisor)
    with django_assert_max_num_queries(TABLE_QUERIES):
        assert client.get(url).status_code == 200
    every = WorkItem.objects.filter(section__plan=plan_2020).values_list("pk", flat=True)
    services.checkpoints_quarterly(plan=plan_2020, item_ids=every, percents=(25, 50, 75, 100), user=roles.supervisor)
    with django_assert_max_num_queries(TABLE_QUERIES):
        response = client.get(url)
    assert response.content.decode().count('class="checkpoint-chip') >= 4 * (len(every) - 1)


def test_quarterly_checkpoints_for_many_items_take_a_fixed_number_of_queries(roles, plan_2020,
                                                                             django_assert_max_num_queries):
    every = list(WorkItem.objects.filter(section__plan=plan_2020).values_list("pk", flat=True))
    with django_assert_max_num_queries(QUARTERLY_QUERIES):
        result = services.checkpoints_quarterly(plan=plan_2020, item_ids=every, percents=(25, 50, 75, 100),
                                                user=roles.supervisor)
    assert result.items == len(every) - result.skipped and result.created >= 4 * (len(every) - result.skipped) - 8


# Session, user, groups, plan; sections, items, responsibilities, targets, checkpoints, expected values;
# the checkpoints' states (checkpoints, reports, items).
TABLE_QUERIES = 14
# The plan's lock, items, existing checkpoints, the bulk insert and its history, the roll-up's schedule.
QUARTERLY_QUERIES = 12


# ---------------------------------------------------------------------------
# Cycles and plan settings.


def test_plan_settings_are_saved_from_the_setup_page_with_their_history(client, roles, plan_2020):
    client.force_login(roles.plan_admin)
    data = {"settings-reporting_cycle": "quarterly", "settings-reporting_day": "20",
            "settings-completion_check_required": "", "settings-extension_steps": "1",
            "settings-review_required": "on"}
    response = client.post(reverse("tasks:plan-settings", args=[plan_2020.pk]), data)
    assert response.status_code == 302
    plan = WorkPlan.objects.get(pk=plan_2020.pk)
    assert (plan.reporting_cycle, plan.reporting_day, plan.completion_check_required, plan.extension_steps) == (
        "quarterly", 20, False, 1)
    history = selectors.plan_settings_history(plan=plan)
    assert len(history) == 1 and history[0].actor == roles.plan_admin
    assert "quarterly" in history[0].text or str(plan.get_reporting_cycle_display()) in history[0].text
    page = client.get(reverse("tasks:plan-setup", args=[plan.pk])).content.decode()
    assert history[0].text in page
    # a reporting day outside 1..28 is refused on its field
    bad = client.post(reverse("tasks:plan-settings", args=[plan.pk]), data | {"settings-reporting_day": "31"})
    assert bad.status_code == 400 and "reporting_day" in bad.context["settings_form"].errors
    # saving unchanged settings writes no history
    client.post(reverse("tasks:plan-settings", args=[plan.pk]), data)
    assert len(selectors.plan_settings_history(plan=plan)) == 1


def test_an_item_gets_a_cycle_of_its_own_on_its_timeline(client, roles, plan_2020):
    item = _item(plan_2020, 1)
    client.force_login(roles.plan_admin)
    client.post(reverse("tasks:item-cycle", args=[item.pk]), {"reporting_cycle": "half_yearly"})
    item.refresh_from_db()
    assert item.reporting_cycle == "half_yearly"
    texts = [e.text for e in selectors.item_field_changes(item=item)]
    assert any("half_yearly" in t or "半年" in t or "half-yearly" in t for t in texts), texts
    client.force_login(roles.supervisor)
    assert client.post(reverse("tasks:item-cycle", args=[item.pk]), {"reporting_cycle": ""}).status_code == 403


def test_the_reminder_job_chases_a_checkpoint_passed_unmet_and_not_one_met(roles, plan_2020):
    from supervision.services import reminders_run

    item = _item(plan_2020, 1)
    office = Department.objects.get(name="办公室")
    missed = _add(item, roles.supervisor, due_date=D(2020, 6, 30), expected_percent=50, title="过半")
    met = _add(item, roles.supervisor, due_date=D(2020, 6, 30), expected_percent=None, title="方案")
    _approve(submit_report(item=item, department=office, reporter=roles.staff, percent=40, checkpoint=met), roles.head)
    run = reminders_run(today=D(2020, 7, 1), plan=plan_2020, dry_run=True)
    subjects = {(p.subject, p.kind, p.audience) for p in run.planned if p.subject.startswith("checkpoint:")}
    assert subjects == {(f"checkpoint:{missed.pk}", "overdue", f"department:{office.pk}:heads")}
