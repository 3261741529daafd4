"""The daily job on the real database: the 督办 loop's reminders, and one 督办 a day to leadership."""

import datetime
import zoneinfo
from io import StringIO

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command

from notifications.models import Notification, ReminderLog
from supervision.models import Chase, ChaseTarget, Instruction, SummaryReport
from supervision.services import extension_check, extension_request, reminders_run
from tasks.models import Checkpoint, WorkItem

pytestmark = pytest.mark.django_db

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
DAY = datetime.date(2020, 7, 11)  # the day after the 半年总结 was due


@pytest.fixture
def late_of_every_kind(world):
    """On 2020-07-11: an item and a checkpoint 7 days late, a 批示, a chase and the 半年总结 a day late."""
    with time_machine.travel(datetime.datetime(2020, 6, 20, 9, tzinfo=SHANGHAI), tick=False):
        item1, item2 = WorkItem.objects.filter(section__plan=world.plan).order_by("section__number", "number")[:2]
        WorkItem.objects.filter(pk=item2.pk).update(due_date=datetime.date(2020, 7, 4))
        checkpoint = Checkpoint.objects.create(item=item1, due_date=datetime.date(2020, 7, 4), title="制定学习方案",
                                               expected_percent=50)
        instruction = Instruction.objects.create(item=item1, author=world.leader, text="请办公室牵头抓好理论学习。",
                                                 due_date=datetime.date(2020, 7, 10))
        instruction.departments.set([world.office])
        chase = Chase.objects.create(plan=world.plan, item=item1, created_by=world.leader,
                                     message="请尽快报送理论学习进展。", reply_by=datetime.date(2020, 7, 10))
        ChaseTarget.objects.create(chase=chase, department=world.office).items.set([item1])
    # every responsible department but 办公室 sent its 半年总结
    requirement = world.plan.summary_requirements.get(name__contains="半年")
    others = {r.department for r in item1.responsibilities.select_related("department")} - {world.office}
    SummaryReport.objects.bulk_create([SummaryReport(requirement=requirement, department=d, author=world.leader,
                                                     text="总结") for d in others])
    return item1, item2, checkpoint, instruction, chase, requirement


def run(day, **kwargs):
    with time_machine.travel(datetime.datetime.combine(day, datetime.time(8, 30), SHANGHAI), tick=False):
        return reminders_run(today=day, **kwargs)


def test_one_escalation_a_day_lists_items_checkpoints_instructions_chases_and_summaries(world, late_of_every_kind):
    item1, item2, checkpoint, instruction, chase, requirement = late_of_every_kind

    # given a dry run: it says what the 督办 will list, and sends nothing
    dry = run(DAY, dry_run=True)
    assert not ReminderLog.objects.exists()
    dry_text = "\n".join(dry.lines)
    assert all(words in dry_text for words in (str(item2), checkpoint.title, instruction.text, chase.message,
                                               requirement.name))
    out = StringIO()
    call_command("run_job", "reminders", "--date", DAY.isoformat(), "--dry-run", stdout=out)
    assert checkpoint.title in out.getvalue() and chase.message in out.getvalue()

    # when the job runs, then again (a retry), then the next day
    first = run(DAY)
    again = run(DAY)
    next_day = run(DAY + datetime.timedelta(days=1))

    # then leadership got one message for the day, naming each late matter with a link
    escalations = ReminderLog.objects.filter(kind="escalation")
    assert list(escalations.values_list("subject", "audience", "period")) == [
        (f"plan:{world.plan.pk}", "leadership", "2020-07-11")]
    body = escalations.get().body
    for words in (str(item2), checkpoint.title, instruction.text, chase.message, requirement.name,
                  f"/items/{item1.pk}/", f"/chases/{chase.pk}/"):
        assert words in body
    assert world.office.name in body
    told = Notification.objects.filter(recipient=world.leader, kind="escalation")
    assert told.count() == 1
    assert [m for m in mail.outbox if m.to == [world.leader.email]] == [
        m for m in mail.outbox if m.subject == escalations.get().title]
    assert first.claimed > 0 and again.claimed == 0 and again.already_sent == first.claimed
    assert not [p for p in next_day.planned if p.kind == "escalation"]


def test_the_loops_own_reminders_reach_the_departments_once(world, late_of_every_kind):
    item1, item2, checkpoint, instruction, chase, requirement = late_of_every_kind
    office = world.office.pk
    # the checkpoint's date: the office's heads are chased for it (not met: nothing reported)
    run(datetime.date(2020, 7, 4))
    assert ReminderLog.objects.filter(subject=f"checkpoint:{checkpoint.pk}", kind="overdue",
                                      audience=f"department:{office}:heads").count() == 1
    # two days before the 批示's 时限, five before the 半年总结 and on its day
    run(datetime.date(2020, 7, 5))
    run(datetime.date(2020, 7, 8))
    run(datetime.date(2020, 7, 10))
    run(datetime.date(2020, 7, 10))
    assert list(ReminderLog.objects.filter(subject=f"instruction:{instruction.pk}", kind="due_soon")
                .values_list("audience", "period")) == [(f"department:{office}:staff", "2020-07-10/2d")]
    assert sorted(ReminderLog.objects.filter(subject=f"summary:{requirement.pk}", audience=f"department:{office}:staff")
                  .values_list("period", flat=True)) == ["2020-07-10/0d", "2020-07-10/5d"]
    # the departments that sent their summary are not reminded
    sent = [f"department:{pk}:staff" for pk in requirement.reports.values_list("department_id", flat=True)]
    assert sent and not ReminderLog.objects.filter(subject=f"summary:{requirement.pk}", audience__in=sent).exists()
    staff_notices = Notification.objects.filter(recipient=world.office_staff, reminder__subject=f"summary:{requirement.pk}")
    assert staff_notices.count() == 2


def test_an_approved_checkpoint_extension_moves_its_reminders(world, late_of_every_kind):
    item1, item2, checkpoint, *_ = late_of_every_kind
    with time_machine.travel(datetime.datetime(2020, 6, 25, 9, tzinfo=SHANGHAI), tick=False):
        world.plan.extension_steps = 1  # the office decides
        world.plan.save(update_fields=["extension_steps"])
        extension = extension_request(item=item1, user=world.office_head, department=world.office,
                                      new_due=datetime.date(2020, 8, 31), reason="方案需党组会审议。",
                                      checkpoint=checkpoint)
        extension_check(extension=extension, user=world.leader, approve=True)
    run(datetime.date(2020, 7, 4))
    assert not ReminderLog.objects.filter(subject=f"checkpoint:{checkpoint.pk}", kind="overdue").exists()
    run(datetime.date(2020, 8, 31))
    assert ReminderLog.objects.filter(subject=f"checkpoint:{checkpoint.pk}", kind="overdue",
                                      period="2020-08-31").exists()


def test_the_facts_are_read_in_a_fixed_number_of_queries(world, late_of_every_kind):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from supervision.services.reminder_job import plan_reminders

    item1, item2, checkpoint, instruction, chase, requirement = late_of_every_kind

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            plan_reminders(world.plan, today=DAY)
        return len(captured)

    before = queries()
    # when the plan has more of everything
    for number in range(3):
        Checkpoint.objects.create(item=item2, due_date=datetime.date(2020, 7, 1 + number), title=f"节点{number}",
                                  expected_percent=10)
        more = Instruction.objects.create(item=item2, author=world.leader, text=f"批示{number}",
                                          due_date=datetime.date(2020, 7, 9))
        more.departments.set([world.office])
        other = Chase.objects.create(plan=world.plan, item=item2, created_by=world.leader, message=f"催办{number}",
                                     reply_by=datetime.date(2020, 7, 9))
        ChaseTarget.objects.create(chase=other, department=world.office).items.set([item2])
    # then the same number of queries
    assert queries() == before
