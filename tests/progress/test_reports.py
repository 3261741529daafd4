"""Reporting progress, reviewing it, instructions and history, as users meet them."""

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from departments.models import Department, Membership
from departments.services import membership_remove, membership_set
from progress import permissions
from progress import services as progress_services
from progress.models import ProgressReport
from supervision.models import Instruction
from tasks import permissions as plan_permissions
from tasks.models import Responsibility, Target, WorkItem
from tests.factories import submit_report

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def _item(plan, number):
    return WorkItem.objects.get(section__plan=plan, number=number)


def _post_report(client, item, **fields):
    item.refresh_from_db()
    data = {"status": "in_progress", "percent": "50", "narrative": "已完成部分工作。", "version": item.version}
    data.update(fields)
    return client.post(reverse("progress:report-create", args=[item.pk]), data)


def _errors(response, field):
    return " ".join(response.context["form"].errors.get(field, []))


def test_staff_report_waits_for_the_head_then_becomes_the_items_progress(client, roles, plan_2020):
    # given staff of 办公室, lead of item 1
    item = _item(plan_2020, 1)
    client.force_login(roles.staff)

    # when they report
    response = _post_report(client, item, status="in_progress", percent="40")

    # then the report waits for review and the official progress is unchanged
    assert response.status_code == 302
    report = ProgressReport.objects.get(item=item)
    assert (report.state, report.role, report.department.name) == ("submitted", "lead", "办公室")
    item.refresh_from_db()
    assert item.progress_percent == 0

    # when the head approves it
    client.force_login(roles.head)
    response = client.post(reverse("progress:report-review", args=[report.pk]), {"decision": "approve", "comment": "好"})

    # then it is the item's official progress
    assert response.status_code == 302
    item.refresh_from_db()
    assert (item.status, item.progress_percent) == ("in_progress", 40)
    report.refresh_from_db()
    assert (report.state, report.reviewer, report.review_comment) == ("approved", roles.head, "好")


def test_approved_lead_report_sets_target_current_values(client, roles, plan_2020):
    item = _item(plan_2020, 16)  # 组织基层部 lead; 两期培训班
    lead = Department.objects.get(name="组织基层部")
    membership_set(user=roles.other_staff, department=lead)
    target = item.targets.get(unit="期")
    client.force_login(roles.other_staff)

    _post_report(client, item, department=lead.pk, **{f"target_{target.pk}": "1"})
    report = ProgressReport.objects.get(item=item)
    progress_services.report_approve(report=report, reviewer=roles.plan_admin)

    target.refresh_from_db()
    assert target.current_value == Decimal("1")


def test_co_organizer_report_is_its_own_part(client, roles, plan_2020):
    item = _item(plan_2020, 1)
    co = Department.objects.get(name="组织基层部")
    membership_set(user=roles.other_staff, department=co)
    client.force_login(roles.other_staff)

    _post_report(client, item, department=co.pk, status="done", percent="100")
    report = ProgressReport.objects.get(item=item)
    progress_services.report_approve(report=report, reviewer=roles.plan_admin)

    item.refresh_from_db()
    assert report.role == Responsibility.Role.CO_ORGANIZER
    assert (item.status, item.progress_percent) == ("not_started", 0)


def test_without_review_a_report_counts_at_once(client, roles, plan_2020):
    plan_2020.review_required = False
    plan_2020.save()
    item = _item(plan_2020, 1)
    client.force_login(roles.staff)

    _post_report(client, item, percent="70")

    item.refresh_from_db()
    assert item.progress_percent == 70
    assert ProgressReport.objects.get(item=item).state == "approved"


def test_returning_a_report_needs_a_reason_and_leaves_progress_alone(client, roles, plan_2020):
    item = _item(plan_2020, 1)
    client.force_login(roles.staff)
    _post_report(client, item, percent="90")
    report = ProgressReport.objects.get(item=item)
    client.force_login(roles.head)

    refused = client.post(reverse("progress:report-review", args=[report.pk]), {"decision": "return", "comment": " "})
    assert refused.status_code == 400
    assert "说明退回原因" in refused.content.decode()

    client.post(reverse("progress:report-review", args=[report.pk]), {"decision": "return", "comment": "请补充数据"})
    report.refresh_from_db()
    item.refresh_from_db()
    assert report.state == "returned"
    assert item.progress_percent == 0


@pytest.mark.parametrize(
    "fields, field, message",
    [
        ({"percent": "151"}, "percent", "小于或等于100"),
        ({"percent": "-1"}, "percent", "大于或等于0"),
        ({"percent": "abc"}, "percent", "整数"),
        ({"status": "finished"}, "status", "有效的选项"),
        ({"status": "done", "percent": "60"}, "percent", "已完成的事项"),
        ({"narrative": ""}, "narrative", "必填"),
    ],
    ids=["percent-151", "percent-negative", "percent-text", "unknown-status", "done-not-100", "no-narrative"],
)
def test_bad_values_get_a_chinese_field_message(client, roles, plan_2020, fields, field, message):
    client.force_login(roles.staff)
    response = _post_report(client, _item(plan_2020, 1), **fields)
    assert response.status_code == 200
    assert message in _errors(response, field)
    assert not ProgressReport.objects.exists()


def test_negative_count_and_rate_over_100_are_refused_per_target(client, roles, plan_2020):
    item = _item(plan_2020, 11)  # percentages
    lead = Department.objects.get(name="组织基层部")
    membership_set(user=roles.other_staff, department=lead)
    rate = item.targets.filter(kind="percentage").first()
    client.force_login(roles.other_staff)
    response = _post_report(client, item, department=lead.pk, **{f"target_{rate.pk}": "120"})
    assert "小于或等于100" in _errors(response, f"target_{rate.pk}")

    count_item = _item(plan_2020, 16)
    count = count_item.targets.get(unit="期")
    response = _post_report(client, count_item, department=lead.pk, **{f"target_{count.pk}": "-2"})
    assert "大于或等于0" in _errors(response, f"target_{count.pk}")


@pytest.mark.parametrize(
    "name, content, message",
    [
        ("virus.pdf", b"MZ\x90\x00" + b"\x00" * 100, "内容与其 .pdf 扩展名不符"),
        ("tool.exe", b"MZ\x90\x00", "不接受此类文件"),
        ("empty.pdf", b"", "空文件"),
    ],
)
def test_evidence_is_checked_by_content_not_by_name(client, roles, plan_2020, name, content, message):
    client.force_login(roles.staff)
    response = _post_report(client, _item(plan_2020, 1), evidence=SimpleUploadedFile(name, content))
    assert message in _errors(response, "evidence")
    assert not ProgressReport.objects.exists()


def test_a_50_mb_attachment_is_refused_on_its_field(client, roles, plan_2020):
    client.force_login(roles.staff)
    big = SimpleUploadedFile("scan.pdf", b"%PDF-1.4\n" + b"0" * (50 * 1024 * 1024))
    response = _post_report(client, _item(plan_2020, 1), evidence=big)
    assert "大于 10 MB" in _errors(response, "evidence")


def test_evidence_is_stored_and_downloaded_under_its_own_name(client, roles, plan_2020):
    client.force_login(roles.staff)
    _post_report(client, _item(plan_2020, 1), evidence=SimpleUploadedFile("会议纪要.pdf", b"%PDF-1.4\nhello"))
    evidence = ProgressReport.objects.get().evidence.get()
    assert evidence.original_name == "会议纪要.pdf"
    assert "会议纪要" not in evidence.file.name  # stored under a random name

    response = client.get(evidence.get_absolute_url())
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"%PDF-1.4\nhello"
    assert "attachment" in response["Content-Disposition"]

    client.logout()
    assert client.get(evidence.get_absolute_url()).status_code == 302


def test_concurrent_reports_the_second_is_refused_and_nothing_is_lost(client, roles, plan_2020):
    # given two people of 办公室 open the report form of item 1 at the same time
    item = _item(plan_2020, 1)
    from django.test import Client

    first, second = Client(), Client()
    first.force_login(roles.staff)
    second.force_login(roles.head)
    version = first.get(reverse("progress:report-create", args=[item.pk])).context["form"]["version"].value()
    assert second.get(reverse("progress:report-create", args=[item.pk])).context["form"]["version"].value() == version
    data = {"status": "in_progress", "percent": "30", "narrative": "第一份", "version": version}

    # when both submit
    assert first.post(reverse("progress:report-create", args=[item.pk]), data).status_code == 302
    response = second.post(reverse("progress:report-create", args=[item.pk]), data | {"narrative": "第二份", "percent": "35"})

    # then the second is refused with what changed, keeping what they typed
    assert response.status_code == 409
    page = response.content.decode()
    assert "有人修改了本事项" in page
    assert "第二份" in page  # their text is still in the form
    assert "30%" in page  # the other person's report is shown
    assert list(ProgressReport.objects.values_list("narrative", flat=True)) == ["第一份"]

    # and a deliberate second submit goes through
    fresh_version = response.context["form"]["version"].value()
    assert second.post(
        reverse("progress:report-create", args=[item.pk]), data | {"narrative": "第二份", "version": fresh_version}
    ).status_code == 302
    assert ProgressReport.objects.count() == 2


def test_a_report_cannot_be_reviewed_twice(roles, plan_2020):
    item = _item(plan_2020, 1)
    report = submit_report(
        item=item, department=Department.objects.get(name="办公室"), reporter=roles.staff, status="in_progress",
        percent=10, narrative="x",
    )
    progress_services.report_approve(report=report, reviewer=roles.head)
    with pytest.raises(progress_services.ProgressConflict):
        progress_services.report_return(report=report, reviewer=roles.plan_admin, comment="晚了")


def test_responsibility_changes_update_permissions_at_once(roles, plan_2020):
    item = _item(plan_2020, 1)
    assert permissions.can_report(roles.staff, item)

    Responsibility.objects.filter(item=item, department__name="办公室").delete()
    Responsibility.objects.filter(item=item, department__name="组织基层部").update(role="lead")
    plan_permissions.sync_item_permissions(item)

    staff = type(roles.staff).objects.get(pk=roles.staff.pk)  # a new request: no cached checker
    assert not permissions.can_report(staff, item)


def test_membership_changes_update_permissions_at_once(roles, plan_2020):
    item_8 = _item(plan_2020, 8)  # 保障部, 女职工委员会办公室, 职工互助办
    user = roles.staff
    assert not permissions.can_report(user, item_8)

    membership_remove(user=user, department=Department.objects.get(name="办公室"))
    membership_set(user=user, department=Department.objects.get(name="职工互助办"))

    user = type(user).objects.get(pk=user.pk)
    assert permissions.can_report(user, item_8)
    assert not permissions.can_report(user, _item(plan_2020, 1))


def test_a_head_demoted_to_staff_can_no_longer_review(roles, plan_2020):
    item = _item(plan_2020, 1)
    report = submit_report(
        item=item, department=Department.objects.get(name="办公室"), reporter=roles.staff, status="in_progress",
        percent=10, narrative="x",
    )
    assert permissions.can_review(roles.head, report)
    membership_set(user=roles.head, department=report.department, role=Membership.Role.MEMBER)
    head = type(roles.head).objects.get(pk=roles.head.pk)
    assert not permissions.can_review(head, report)


def test_instruction_shows_on_my_work_until_answered(client, roles, plan_2020):
    item = _item(plan_2020, 1)
    client.force_login(roles.leader)
    client.post(reverse("supervision:instruction-create", args=[item.pk]), {"text": "请于月底前报送进展。"})
    instruction = Instruction.objects.get()

    client.force_login(roles.staff)
    assert "请于月底前报送进展。" in client.get(reverse("supervision:my-work")).content.decode()

    client.post(reverse("supervision:instruction-reply", args=[instruction.pk]), {"reply": "已按要求报送。"})
    instruction.refresh_from_db()
    assert (instruction.handled_by, instruction.reply) == (roles.staff, "已按要求报送。")
    assert "请于月底前报送进展。" not in client.get(reverse("supervision:my-work")).content.decode()

    second = client.post(reverse("supervision:instruction-reply", args=[instruction.pk]), {"reply": "再答一次"})
    assert second.status_code == 403


def test_empty_instruction_is_refused_on_its_field(client, roles, plan_2020):
    client.force_login(roles.leader)
    response = client.post(reverse("supervision:instruction-create", args=[_item(plan_2020, 1).pk]), {"text": ""})
    assert response.status_code == 400
    assert "字段是必填项" in response.content.decode()  # Django: 这个字段…, DRF: 该字段…
    assert not Instruction.objects.exists()


def test_my_work_lists_the_departments_items_with_what_waits(client, roles, plan_2020):
    client.force_login(roles.staff)
    page = client.get(reverse("supervision:my-work")).content.decode()
    office_items = WorkItem.objects.filter(responsibilities__department__name="办公室")
    for item in office_items:
        assert item.title in page
    assert "从未报送" in page
    assert _item(plan_2020, 3).title not in page  # 劳动和经济工作部 only


def _head_of(name, django_user_model):
    head = django_user_model.objects.create_user(username=f"head-{len(name)}", password="pw-for-tests-1")
    membership_set(user=head, department=Department.objects.get(name=name), role=Membership.Role.HEAD)
    return head


def test_timeline_says_who_did_what_and_when(client, roles, plan_2020, django_user_model):
    item = _item(plan_2020, 16)
    client.force_login(roles.plan_admin)
    report = submit_report(
        item=item, department=Department.objects.get(name="组织基层部"), reporter=roles.plan_admin, status="in_progress",
        percent=50, narrative="举办一期。", readings={item.targets.get(unit="期").pk: Decimal("1")},
    )
    progress_services.report_approve(report=report, reviewer=_head_of("组织基层部", django_user_model), comment="同意")

    page = client.get(item.get_absolute_url()).content.decode()

    assert "组织基层部报送：推进中，50%" in page
    assert "已通过 同意" in page
    assert "当前值" in page and "→ 1" in page and "1.00" not in page  # 1, never 1.00
    assert "完成进度" in page


# Session, user, groups, plan, memberships+responsibilities, instructions (+ their departments), next checkpoints,
# chases to answer (+ their items), summaries owed (requirements, departments, summaries).
MY_WORK_QUERIES = 14  # the latest report of each row is one ranked query of its own (no subqueries per row)
# The item page: 16 for the item, its reports and instructions; 6 for the 督办 panel (the instructions'
# departments and steps, chases, extension requests, completion checks, checkpoints); 2 for the item's
# checkpoints (节点) and their history (with checkpoints: 4 more, their states and expected values); 2 for the
# 考核 panel (the departments' 自评 of the item, and their files when there are any).
ITEM_PAGE_QUERIES = 26


def _big_plan_for(user, items):
    from tasks.services import plan_import_document
    from tests.documents import synthetic_plan_text

    plan = plan_import_document(data=synthetic_plan_text(items=items, year=2031).encode(), filename="big.txt").plan
    plan.status = "published"
    plan.save()
    department = Department.objects.get(name="部门1")
    membership_set(user=user, department=department)
    return plan, department


def test_my_work_queries_do_not_grow_with_the_plan(client, roles, plan_2020, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(roles.staff)
    Instruction.objects.create(item=_item(plan_2020, 1), author=roles.leader, text="抓紧")
    client.get(reverse("supervision:my-work"))  # the user's frame is cached from then on (as for every count below)
    with CaptureQueriesContext(connection) as small:
        client.get(reverse("supervision:my-work"))
    plan, department = _big_plan_for(roles.staff, 500)
    item_ids = list(WorkItem.objects.filter(section__plan=plan, responsibilities__department=department).values_list("pk", flat=True)[:20])
    for item_id in item_ids:
        Instruction.objects.create(item_id=item_id, author=roles.leader, text="抓紧")
    with django_assert_max_num_queries(MY_WORK_QUERIES):
        response = client.get(reverse("supervision:my-work"))
    assert response.context["row_count"] > 100
    with CaptureQueriesContext(connection) as big:
        client.get(reverse("supervision:my-work"))
    assert len(small) == len(big)
    with CaptureQueriesContext(connection) as second_page:
        client.get(reverse("supervision:my-work") + "?page=2")
    assert len(second_page) <= len(big)  # (no instruction on it: their departments are not asked)


def test_my_work_shows_fifty_rows_a_page_and_counts_them_all(client, roles, plan_2020):
    # given a staff member whose department has a part in every item of a 500-item plan
    client.force_login(roles.staff)
    plan, department = _big_plan_for(roles.staff, 500)
    total = WorkItem.objects.filter(section__plan=plan, responsibilities__department=department).count()
    assert total > 100

    # when they open 我的工作
    response = client.get(reverse("supervision:my-work"))
    page = response.content.decode()

    # then the first 50 rows show, the count says all of them, and a link leads on
    assert page.count('class="item card mywork"') == 50
    assert f"{total} 项" in page or str(total) in page.split('class="meta"', 1)[1].split("</p>", 1)[0]
    assert 'rel="next"' in page and "?page=2" in page
    # and the last page shows the rest, with a link back
    last = (total - 1) // 50 + 1
    end = client.get(reverse("supervision:my-work") + f"?page={last}").content.decode()
    assert end.count('class="item card mywork"') == total - 50 * (last - 1)
    assert 'rel="prev"' in end and 'rel="next"' not in end
    # and a page that is not there shows the last one, never an error
    assert client.get(reverse("supervision:my-work") + "?page=x").status_code == 200


def test_item_page_queries_do_not_grow_with_reports(client, roles, plan_2020, django_assert_max_num_queries,
                                                    django_user_model):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    item = _item(plan_2020, 16)
    department = Department.objects.get(name="组织基层部")
    reviewer = _head_of("组织基层部", django_user_model)
    client.force_login(roles.head)

    def add_report_and_instruction(n):
        item.refresh_from_db()
        report = submit_report(
            item=item, department=department, reporter=roles.plan_admin, status="in_progress", percent=n,
            narrative=f"第{n}次",
            readings={t.pk: Decimal(n) for t in item.targets.all() if t.kind == Target.Kind.COUNT},
        )
        progress_services.report_approve(report=report, reviewer=reviewer)
        Instruction.objects.create(item=item, author=roles.leader, text=f"批示{n}")

    add_report_and_instruction(1)
    client.get(item.get_absolute_url())  # warms the content-type cache
    with CaptureQueriesContext(connection) as small:
        client.get(item.get_absolute_url())
    for n in range(2, 32):
        add_report_and_instruction(n)
    with django_assert_max_num_queries(ITEM_PAGE_QUERIES):
        client.get(item.get_absolute_url())
    with CaptureQueriesContext(connection) as big:
        client.get(item.get_absolute_url())
    assert len(small) == len(big)


def test_the_report_form_does_not_read_the_items_reports(client, roles, plan_2020, django_assert_max_num_queries):
    # The form is opened and posted under load many times a day; an item gathers reports all year.
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    item = _item(plan_2020, 1)
    office = Department.objects.get(name="办公室")
    for n in range(1, 31):
        item.refresh_from_db()
        submit_report(
            item=item, department=office, reporter=roles.staff, status="in_progress", percent=n, narrative=f"第{n}次",
        )
    client.force_login(roles.staff)
    # 12, one for the item's checkpoints (the one the report answers by default), and two for what the form
    # opens with: the department's newest report (returned?) and kept files.
    with django_assert_max_num_queries(15), CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("progress:report-create", args=[item.pk])).status_code == 200
    # Only the department's newest report (is it a returned one, to open the form with?), one row.
    reads = [q["sql"] for q in queries if 'FROM "tasks_progressreport"' in q["sql"]]
    assert len(reads) == 1 and "LIMIT 1" in reads[0], reads


def test_removing_a_responsibility_in_the_admin_takes_the_right_away(client, roles, plan_2020):
    item = _item(plan_2020, 1)
    responsibility = item.responsibilities.get(department__name="权益网络宣传部")
    member = type(roles.staff).objects.create_user("propaganda")
    membership_set(user=member, department=responsibility.department)
    assert permissions.can_report(member, item)
    client.force_login(roles.plan_admin)

    response = client.post(
        reverse("admin:tasks_responsibility_delete", args=[responsibility.pk]), {"post": "yes"}
    )

    assert response.status_code == 302
    member = type(member).objects.get(pk=member.pk)
    assert not permissions.can_report(member, item)
    assert permissions.can_report(type(roles.staff).objects.get(pk=roles.staff.pk), item)


def test_admin_pages_of_reports_and_history_open(client, roles, plan_2020):
    item = _item(plan_2020, 1)
    submit_report(
        item=item, department=Department.objects.get(name="办公室"), reporter=roles.staff, status="in_progress",
        percent=10, narrative="x",
    )
    client.force_login(roles.plan_admin)
    report = ProgressReport.objects.get()
    for url in (
        reverse("admin:progress_progressreport_change", args=[report.pk]),
        reverse("admin:progress_progressreport_history", args=[report.pk]),
        reverse("admin:tasks_workitem_history", args=[item.pk]),
        reverse("admin:tasks_workitem_change", args=[item.pk]),
    ):
        assert client.get(url).status_code == 200, url


def test_a_closed_plan_is_read_only_but_viewable(client, roles, plan_2020):
    plan_2020.status = "closed"
    plan_2020.save()
    item = _item(plan_2020, 1)
    client.force_login(roles.staff)
    assert client.get(item.get_absolute_url()).status_code == 200
    assert client.get(reverse("progress:report-create", args=[item.pk])).status_code == 403
    client.force_login(roles.leader)
    assert client.post(reverse("supervision:instruction-create", args=[item.pk]), {"text": "x"}).status_code == 403


def test_a_tampered_version_is_a_form_error_not_a_500(client, roles, plan_2020):
    client.force_login(roles.staff)
    response = _post_report(client, _item(plan_2020, 1), version="not-a-number")
    assert response.status_code == 200
    assert "请重新加载页面" in response.content.decode()
    assert not ProgressReport.objects.exists()
