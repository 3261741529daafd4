"""The 督办 loop as its users meet it: 批示 to departments with a 时限, answered, confirmed or returned;
交办事项; 一键催办 and who read or answered it; 延期申请; 销号; summary reports; the office's desk."""

from __future__ import annotations

import datetime
import zoneinfo

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse

from core.exceptions import Conflict
from departments.models import Department
from departments.services import membership_set
from notifications import services as notification_services
from notifications.models import Notification, ReminderLog
from progress import services as progress_services
from progress.models import ItemRollup
from supervision import selectors
from supervision import services
from supervision.models import ChaseTarget, Extension, Instruction, InstructionEntry, SummaryReport
from tasks.models import WorkItem
from tests.factories import approved_report, submit_report

pytestmark = pytest.mark.django_db

MID_2020 = datetime.datetime(2020, 7, 1, 10, 0, tzinfo=zoneinfo.ZoneInfo("Asia/Shanghai"))


@pytest.fixture(autouse=True)
def mid_2020():
    # The plan's year: 时限, answer-by dates and due dates ahead are still ahead.
    with time_machine.travel(MID_2020, tick=True):
        yield


@pytest.fixture
def office(plan_2020):
    return Department.objects.get(name="办公室")


@pytest.fixture
def organisation(plan_2020):
    return Department.objects.get(name="组织基层部")


@pytest.fixture
def co_staff(organisation, django_user_model):
    user = django_user_model.objects.create_user("co_staff", password="pw-for-tests-1")
    membership_set(user=user, department=organisation)
    return user


def _delivered() -> None:
    notification_services.deliveries_send()


def _told(user) -> list[str]:
    return list(Notification.objects.filter(recipient=user).order_by("pk").values_list("title", flat=True))


# ---------------------------------------------------------------------------
# 领导批示


def test_a_leader_instructs_two_departments_with_a_deadline_and_both_are_told(roles, item1, office, organisation,
                                                                              co_staff, client):
    # given the leader on item 1 (lead 办公室, co-organizer 组织基层部)
    client.force_login(roles.leader)

    # when they write an instruction to both departments, due in two weeks
    response = client.post(reverse("supervision:instruction-create", args=[item1.pk]),
                           {"text": "请两部门月底前联合报送进展。", "departments": [office.pk, organisation.pk],
                            "due_date": "2020-07-15"})
    _delivered()

    # then it is saved with its 时限, and the people of both departments are told at once
    assert response.status_code == 302
    instruction = Instruction.objects.get(text="请两部门月底前联合报送进展。")
    assert instruction.due_date == datetime.date(2020, 7, 15)
    assert set(instruction.departments.values_list("name", flat=True)) == {"办公室", "组织基层部"}
    assert any("领导批示" in title for title in _told(roles.staff))
    assert any("领导批示" in title for title in _told(co_staff))
    assert not _told(roles.other_staff)


def test_a_deadline_in_the_past_is_refused_on_its_field_and_nothing_is_saved(roles, item1, client):
    client.force_login(roles.leader)
    response = client.post(reverse("supervision:instruction-create", args=[item1.pk]),
                           {"text": "请抓紧。", "due_date": "2020-06-30"})
    assert response.status_code == 400
    assert "办理时限已过" in response.content.decode()
    assert not Instruction.objects.exists()


def test_a_reply_tells_the_leader_and_waits_for_their_confirmation(roles, item1, office):
    # given an instruction to 办公室
    instruction = services.instruction_create(item=item1, author=roles.leader, text="请报送进展。",
                                              due_date=datetime.date(2020, 7, 10))

    # when its staff answer
    services.instruction_reply(instruction=instruction, user=roles.staff, text="已报送。", department=office)
    _delivered()

    # then it awaits the leader's confirmation, and the leader is told
    instruction.refresh_from_db()
    assert instruction.state == Instruction.State.ANSWERED
    assert any("批示" in title and "答复" in title for title in _told(roles.leader))


def test_a_returned_answer_goes_back_with_the_comment_and_the_history_keeps_every_step(roles, item1, office, client):
    instruction = services.instruction_create(item=item1, author=roles.leader, text="请报送进展。")
    services.instruction_reply(instruction=instruction, user=roles.staff, text="已报送。", department=office)
    client.force_login(roles.leader)

    # when the leader returns it with what is missing
    response = client.post(reverse("supervision:instruction-conclude", args=[instruction.pk]),
                           {"decision": "return", "comment": "请列明具体数据。"})
    _delivered()

    # then it is open again, the department is told, and it answers a second time
    assert response.status_code == 302
    instruction.refresh_from_db()
    assert instruction.state == Instruction.State.OPEN
    assert any("退回" in title for title in _told(roles.staff))
    services.instruction_reply(instruction=instruction, user=roles.staff, text="已补充数据。", department=office)
    services.instruction_close(instruction=instruction, user=roles.leader)
    kinds = list(InstructionEntry.objects.filter(instruction=instruction).order_by("pk").values_list("kind", flat=True))
    assert kinds == ["reply", "return", "reply", "close"]
    page = client.get(item1.get_absolute_url()).content.decode()
    assert "请列明具体数据。" in page and "已补充数据。" in page and "已办结" in page


def test_returning_without_a_comment_is_refused_on_the_field(roles, item1, office, client):
    instruction = services.instruction_create(item=item1, author=roles.leader, text="请报送进展。")
    services.instruction_reply(instruction=instruction, user=roles.staff, text="已报送。", department=office)
    client.force_login(roles.leader)
    response = client.post(reverse("supervision:instruction-conclude", args=[instruction.pk]), {"decision": "return"})
    assert response.status_code == 400
    assert "请说明还缺什么" in response.content.decode()
    instruction.refresh_from_db()
    assert instruction.state == Instruction.State.ANSWERED


def test_the_office_confirms_on_the_leaders_behalf_but_the_department_cannot(roles, item1, office, client):
    instruction = services.instruction_create(item=item1, author=roles.leader, text="请报送进展。")
    services.instruction_reply(instruction=instruction, user=roles.staff, text="已报送。", department=office)
    client.force_login(roles.head)
    assert client.post(reverse("supervision:instruction-conclude", args=[instruction.pk]),
                       {"decision": "close"}).status_code == 403
    client.force_login(roles.supervisor)
    assert client.post(reverse("supervision:instruction-conclude", args=[instruction.pk]),
                       {"decision": "close"}).status_code == 302
    instruction.refresh_from_db()
    assert instruction.state == Instruction.State.CLOSED and instruction.closed_by == roles.supervisor


def test_closing_twice_is_refused_not_repeated(roles, item1, office):
    instruction = services.instruction_create(item=item1, author=roles.leader, text="请报送进展。")
    services.instruction_reply(instruction=instruction, user=roles.staff, text="已报送。", department=office)
    services.instruction_close(instruction=instruction, user=roles.leader)
    with pytest.raises(Conflict):
        services.instruction_close(instruction=instruction, user=roles.supervisor)
    assert InstructionEntry.objects.filter(instruction=instruction, kind="close").count() == 1


def test_an_assignment_becomes_an_item_reported_and_reviewed_like_any_other(roles, plan_2020, office, organisation,
                                                                            client):
    # given the leader with a task from a meeting (交办事项), the plan's figures current
    from notifications.models import OutboxMessage

    OutboxMessage.objects.all().delete()
    client.force_login(roles.leader)

    # when they assign it to 办公室 (lead) and 组织基层部
    response = client.post(reverse("supervision:assignment-create"),
                           {"plan": plan_2020.pk, "title": "筹备职工运动会", "text": "请牵头筹备。",
                            "departments": [office.pk, organisation.pk], "due_date": "2020-10-31"})

    # then it is an item in the plan's section of assignments, with its departments, 时限 and instruction
    item = WorkItem.objects.get(title="筹备职工运动会")
    assert response.status_code == 302 and response.url == item.get_absolute_url()
    assert item.section.is_assignments and item.section.title == "领导交办事项"
    assert item.due_date == datetime.date(2020, 10, 31)
    assert [(r.department.name, r.role) for r in item.responsibilities.order_by("order")] == [
        ("办公室", "lead"), ("组织基层部", "co_organizer")]
    assert item.instructions.get().due_date == datetime.date(2020, 10, 31)
    # and the plan's figures are asked for again (a new item in the section and in 办公室's counts)
    assert OutboxMessage.objects.filter(task_name="progress.refresh_rollup", kwargs__plan_id=plan_2020.pk).exists()
    # and 办公室 reports on it and its head approves, as on any item
    approved_report(reviewer=roles.head, item=item, department=office, reporter=roles.staff, percent=30)
    item.refresh_from_db()
    assert item.progress_percent == 30


def test_an_assignment_without_departments_is_refused_on_the_field(roles, plan_2020, client):
    client.force_login(roles.leader)
    response = client.post(reverse("supervision:assignment-create"),
                           {"plan": plan_2020.pk, "title": "筹备职工运动会", "text": "请牵头筹备。", "due_date": "2020-10-31"})
    assert response.status_code == 400
    assert "请至少选择一个部室" in response.content.decode()
    assert not WorkItem.objects.filter(title="筹备职工运动会").exists()


# ---------------------------------------------------------------------------
# 一键催办


def _late(plan):
    progress_services.rollup_refresh(plan=plan)
    return services.late_departments(plan=plan)


def test_the_office_chases_every_late_department_of_a_section_in_one_click(roles, plan_2020, client):
    # given section 三, where nobody has reported this cycle
    section = plan_2020.sections.get(number=3)
    late = services.late_departments(plan=plan_2020, section=section) or _late(plan_2020) and \
        services.late_departments(plan=plan_2020, section=section)
    client.force_login(roles.supervisor)
    form = client.get(reverse("supervision:chase-create") + f"?section={section.pk}")
    assert form.status_code == 200
    chosen = [entry.department.pk for entry in late]

    # when the office sends the chase to all of them
    response = client.post(reverse("supervision:chase-create"),
                           {"section": section.pk, "message": "请于7月5日前报送进展。", "reply_by": "2020-07-05",
                            "departments": chosen})

    # then each late department is chased once, for its late items of that section
    assert response.status_code == 302
    targets = ChaseTarget.objects.filter(chase__section=section)
    assert sorted(targets.values_list("department_id", flat=True)) == sorted(chosen)
    assert all(item.section_id == section.pk for target in targets for item in target.items.all())
    logs = ReminderLog.objects.filter(kind="chase")
    assert logs.count() == len(chosen)
    # and a second click the same day chases nobody again
    again = client.post(reverse("supervision:chase-create"),
                        {"section": section.pk, "message": "请报送。", "reply_by": "2020-07-05", "departments": chosen})
    assert again.status_code == 400 and "今天已催办过" in again.content.decode()
    assert ReminderLog.objects.filter(kind="chase").count() == len(chosen)


def test_a_chase_shows_who_read_it_who_answered_and_who_is_overdue(roles, plan_2020, item1, office, organisation,
                                                                   co_staff, client):
    # given a chase of 办公室 and 组织基层部 on item 1, answer by 3 July
    chase = services.chase_create(plan=plan_2020, author=roles.supervisor, message="请报送。",
                                  reply_by=datetime.date(2020, 7, 3), item=item1,
                                  targets={office: [item1], organisation: [item1]})
    _delivered()

    # when 办公室's staff read it and answer with a report; 组织基层部 does nothing
    notice = Notification.objects.get(recipient=roles.staff, reminder__kind="chase")
    notification_services.notification_mark_read(notification=notice)
    submit_report(item=item1, department=office, reporter=roles.staff, percent=60)

    # then 办公室 is read and answered; after 3 July 组织基层部 is unread and overdue
    with time_machine.travel(datetime.datetime(2020, 7, 6, 9, tzinfo=zoneinfo.ZoneInfo("Asia/Shanghai"))):
        statuses = {s.target.department.name: s for s in
                    selectors.chase_statuses(chases=[chase], today=datetime.date(2020, 7, 6))[chase.pk]}
        client.force_login(roles.supervisor)
        page = client.get(chase.get_absolute_url()).content.decode()
    assert statuses["办公室"].read and statuses["办公室"].replied_at is not None and not statuses["办公室"].overdue
    assert not statuses["组织基层部"].read and statuses["组织基层部"].overdue
    assert "已读" in page and "未读" in page and "逾期未回复" in page


def test_a_chased_department_answers_in_writing_once(roles, plan_2020, item1, office, client):
    chase = services.chase_create(plan=plan_2020, author=roles.supervisor, message="请报送。",
                                  reply_by=datetime.date(2020, 7, 3), targets={office: [item1]})
    target = chase.targets.get()
    client.force_login(roles.head)
    assert client.post(reverse("supervision:chase-answer", args=[target.pk]), {"answer": ""}).status_code == 400
    assert client.post(reverse("supervision:chase-answer", args=[target.pk]),
                       {"answer": "本周内报送。"}).status_code == 302
    target.refresh_from_db()
    assert target.answer == "本周内报送。" and target.answered_by == roles.head
    # answered: there is nothing left to answer
    assert client.post(reverse("supervision:chase-answer", args=[target.pk]), {"answer": "再答"}).status_code == 403


def test_an_answer_by_date_in_the_past_is_refused_on_its_field(roles, plan_2020, item1, client):
    _late(plan_2020)
    client.force_login(roles.supervisor)
    late = services.late_departments(plan=plan_2020)
    response = client.post(reverse("supervision:chase-create"),
                           {"message": "请报送。", "reply_by": "2020-06-01", "departments": [late[0].department.pk]})
    assert response.status_code == 400
    assert "答复期限已过" in response.content.decode()
    assert not ChaseTarget.objects.exists()


# ---------------------------------------------------------------------------
# 延期申请


def test_an_extension_is_checked_by_the_office_approved_by_leadership_and_keeps_the_original_date(roles, item1,
                                                                                                  client):
    # given 办公室's head, before item 1's due date (31 December)
    client.force_login(roles.head)

    # when they ask for 31 March next year with a reason
    response = client.post(reverse("supervision:extension-create", args=[item1.pk]),
                           {"new_due": "2021-03-31", "reason": "受疫情影响，线下活动顺延。"})
    extension = Extension.objects.get()
    _delivered()
    assert response.status_code == 302
    assert any("延期" in title for title in _told(roles.supervisor))

    # and the office checks it, then the leader approves it
    client.force_login(roles.supervisor)
    assert client.post(reverse("supervision:extension-decide", args=[extension.pk]),
                       {"decision": "approve", "comment": "情况属实。"}).status_code == 302
    _delivered()
    assert any("延期" in title for title in _told(roles.leader))
    client.force_login(roles.leader)
    assert client.post(reverse("supervision:extension-decide", args=[extension.pk]),
                       {"decision": "approve"}).status_code == 302
    _delivered()

    # then the item is due on the new date, the original is kept, and the department is told
    item1.refresh_from_db()
    assert item1.due_date == datetime.date(2021, 3, 31)
    assert item1.original_due_date == datetime.date(2020, 12, 31)
    assert any("同意延期" in title or "延期已批准" in title for title in _told(roles.staff))
    page = client.get(item1.get_absolute_url()).content.decode()
    assert "<time>2020-12-31</time> → <strong><time>2021-03-31</time></strong>" in page  # dates never break inside


def test_an_extension_needs_a_reason_and_a_later_date(roles, item1, client):
    client.force_login(roles.head)
    response = client.post(reverse("supervision:extension-create", args=[item1.pk]),
                           {"new_due": "2020-12-01", "reason": " "})
    assert response.status_code == 400
    text = response.content.decode()
    assert "新日期必须晚于现在的日期" in text and "请说明" in text
    assert not Extension.objects.exists()


def test_no_extension_once_the_date_has_passed(roles, item1):
    with pytest.raises(ValidationError) as refused:
        services.extension_request(item=item1, user=roles.head, department=item1.responsibilities.get(role="lead").department,
                                   new_due=datetime.date(2021, 3, 31), reason="来不及。",
                                   today=datetime.date(2021, 1, 2))
    assert "new_due" in refused.value.message_dict


def test_staff_and_co_organizers_may_not_ask_for_more_time(roles, item1, co_staff, client):
    for user in (roles.staff, co_staff, roles.supervisor):
        client.force_login(user)
        assert client.get(reverse("supervision:extension-create", args=[item1.pk])).status_code == 403


def test_with_one_step_the_offices_check_is_the_decision(roles, plan_2020, item1, office):
    plan_2020.extension_steps = 1
    plan_2020.save()
    item1.refresh_from_db()
    extension = services.extension_request(item=item1, user=roles.head, department=office,
                                           new_due=datetime.date(2021, 1, 31), reason="需跨年。")
    services.extension_check(extension=extension, user=roles.supervisor, approve=True)
    extension.refresh_from_db()
    item1.refresh_from_db()
    assert extension.state == Extension.State.APPROVED and item1.due_date == datetime.date(2021, 1, 31)


# ---------------------------------------------------------------------------
# 办结审核 and 销号


def _done(item, roles, office):
    return approved_report(reviewer=roles.head, item=item, department=office, reporter=roles.staff, status="done",
                           percent=100, readings={t.pk: t.target_value or 1 for t in item.targets.all()})


def test_done_counts_only_once_the_office_has_checked_it(roles, plan_2020, item1, office, client):
    # given 办公室 reports item 1 done and its head approves
    _done(item1, roles, office)
    _delivered()
    progress_services.rollup_refresh(plan=plan_2020)

    # then the office is asked to check it, and it does not count as done yet
    assert any("销号" in title for title in _told(roles.supervisor))
    assert not ItemRollup.objects.get(item=item1).is_done
    client.force_login(roles.supervisor)
    assert "待办公室审核" in client.get(reverse("supervision:desk")).content.decode() or \
        item1.title[:20] in client.get(reverse("supervision:desk")).content.decode()

    # when the office closes it (销号)
    assert client.post(reverse("supervision:completion-decide", args=[item1.pk]),
                       {"decision": "approve", "comment": "材料齐全。"}).status_code == 302
    progress_services.rollup_refresh(plan=plan_2020)

    # then it counts as done
    item1.refresh_from_db()
    assert item1.closed_by == roles.supervisor
    assert ItemRollup.objects.get(item=item1).is_done


def test_a_returned_completion_goes_back_in_progress_and_the_department_is_told(roles, plan_2020, item1, office, client):
    _done(item1, roles, office)
    client.force_login(roles.supervisor)
    refused = client.post(reverse("supervision:completion-decide", args=[item1.pk]), {"decision": "refuse"})
    assert refused.status_code == 400 and "请说明理由" in refused.content.decode()
    assert client.post(reverse("supervision:completion-decide", args=[item1.pk]),
                       {"decision": "refuse", "comment": "佐证材料不全。"}).status_code == 302
    _delivered()
    item1.refresh_from_db()
    assert item1.status == WorkItem.Status.IN_PROGRESS and item1.closed_at is None
    assert any("退回重办" in title for title in _told(roles.staff))
    assert "佐证材料不全。" in client.get(item1.get_absolute_url()).content.decode()


def test_a_plan_without_the_check_counts_done_at_once(roles, plan_2020, item1, office):
    plan_2020.completion_check_required = False
    plan_2020.save()
    item1.refresh_from_db()
    _done(item1, roles, office)
    progress_services.rollup_refresh(plan=plan_2020)
    assert ItemRollup.objects.get(item=item1).is_done


# ---------------------------------------------------------------------------
# Summaries, 我的工作, the desk


def test_a_department_sends_its_half_year_summary_and_it_leaves_my_work(roles, plan_2020, office, client):
    requirement = plan_2020.summary_requirements.order_by("due_date").first()
    assert (requirement.name, requirement.due_date) == ("半年总结", datetime.date(2020, 7, 10))
    client.force_login(roles.staff)
    assert "半年总结" in client.get(reverse("supervision:my-work")).content.decode()
    response = client.post(reverse("supervision:summary-submit", args=[requirement.pk]),
                           {"department": office.pk, "text": "上半年工作总结。"})
    assert response.status_code == 302
    assert SummaryReport.objects.get().department == office
    assert f'href="/summaries/{requirement.pk}/"' not in client.get(reverse("supervision:my-work")).content.decode()
    client.force_login(roles.supervisor)
    assert "上半年工作总结。" in client.get(reverse("supervision:summaries")).content.decode()


def test_my_work_shows_the_chase_and_the_instruction_with_its_deadline(roles, plan_2020, item1, office, client):
    services.instruction_create(item=item1, author=roles.leader, text="请抓紧。", due_date=datetime.date(2020, 7, 8))
    services.chase_create(plan=plan_2020, author=roles.supervisor, message="请于三日内报送。",
                          reply_by=datetime.date(2020, 7, 4), targets={office: [item1]})
    client.force_login(roles.staff)
    page = client.get(reverse("supervision:my-work")).content.decode()
    assert "请于三日内报送。" in page and "2020-07-04" in page
    assert "请抓紧。" in page and "2020-07-08" in page


def test_the_item_timeline_shows_the_whole_loop(roles, plan_2020, item1, office, client):
    instruction = services.instruction_create(item=item1, author=roles.leader, text="请抓紧。")
    services.instruction_reply(instruction=instruction, user=roles.staff, text="已落实。", department=office)
    services.chase_create(plan=plan_2020, author=roles.supervisor, message="请报送。",
                          reply_by=datetime.date(2020, 7, 4), item=item1, targets={office: [item1]})
    extension = services.extension_request(item=item1, user=roles.head, department=office,
                                           new_due=datetime.date(2021, 3, 31), reason="需跨年。")
    services.extension_check(extension=extension, user=roles.supervisor, approve=False, comment="不予延期。")
    client.force_login(roles.staff)
    page = client.get(item1.get_absolute_url()).content.decode()
    timeline = page[page.index('id="timeline"'):]
    for words in ("请抓紧。", "已落实。", "请报送。", "需跨年。", "不予延期。"):
        assert words in timeline


DESK_QUERIES = 16


def test_the_desk_lists_what_waits_for_the_office_in_fixed_queries(roles, plan_2020, item1, office, client,
                                                                   django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    # given one of each: an answered instruction, an extension request, a chase, an item awaiting its check
    instruction = services.instruction_create(item=item1, author=roles.leader, text="请抓紧。")
    services.instruction_reply(instruction=instruction, user=roles.staff, text="已落实。", department=office)
    services.extension_request(item=item1, user=roles.head, department=office, new_due=datetime.date(2021, 3, 31),
                               reason="需跨年。")
    services.chase_create(plan=plan_2020, author=roles.supervisor, message="请报送。",
                          reply_by=datetime.date(2020, 7, 4), item=item1, targets={office: [item1]})
    _done(WorkItem.objects.get(section__plan=plan_2020, number=1), roles, office)
    progress_services.rollup_refresh(plan=plan_2020)
    client.force_login(roles.supervisor)
    client.get(reverse("supervision:desk"))
    with CaptureQueriesContext(connection) as small:
        page = client.get(reverse("supervision:desk")).content.decode()
    desk = page[page.index("督办台"):]
    assert "请抓紧。" in desk  # answered, to confirm
    assert item1.title[:20] in desk[desk.index('id="awaiting-check"'):]
    assert "2021-03-31"[5:] in desk[desk.index('id="extensions"'):]

    # when the plan has many more of each
    for number in range(2, 12):
        item = WorkItem.objects.get(section__plan=plan_2020, number=number)
        lead = item.responsibilities.get(role="lead").department
        other = services.instruction_create(item=item, author=roles.leader, text=f"批示{number}",
                                            due_date=datetime.date(2020, 7, 2))
        services.instruction_reply(instruction=other, user=roles.plan_admin, text="已落实。", department=lead)
        services.chase_create(plan=plan_2020, author=roles.supervisor, message="请报送。",
                              reply_by=datetime.date(2020, 7, 4), item=item, targets={lead: [item]})
    with django_assert_max_num_queries(DESK_QUERIES):
        client.get(reverse("supervision:desk"))
    with CaptureQueriesContext(connection) as big:
        client.get(reverse("supervision:desk"))
    assert len(small) == len(big)
