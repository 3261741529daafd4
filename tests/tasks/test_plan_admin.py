"""A clerk sets up a plan in the browser: placeholders, publishing, next year's plan, departments."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from departments import services as department_services
from departments.models import Department, Membership
from departments.services import membership_set
from progress.models import ProgressReport
from tasks import permissions, services
from tasks.models import Checkpoint, CheckpointTarget, Responsibility, Target, WorkItem, WorkPlan
from tests.conftest import PLAN_2020
from tests.factories import submit_report

pytestmark = pytest.mark.django_db


def _fresh(user):
    return type(user).objects.get(pk=user.pk)


def test_moving_a_departments_responsibilities_moves_its_permissions(client, roles, plan_2020):
    # given 办公室 (staff, head) leads item 1 and 职工互助办 (other_staff) has no part in it
    office = Department.objects.get(name="办公室")
    mutual_aid = Department.objects.get(name="职工互助办")
    item = WorkItem.objects.get(section__plan=plan_2020, number=1)
    assert permissions.may_report_on(roles.staff, item)
    assert not permissions.may_report_on(roles.other_staff, item)

    # when the plan admin deactivates 办公室, handing its items to 职工互助办
    client.force_login(roles.plan_admin)
    response = client.post(reverse("departments:department-deactivate", args=[office.pk]), {"successor": mutual_aid.pk})

    # then the old department's people lose the right and the new one's gain it
    assert response.status_code == 302
    assert not permissions.may_report_on(_fresh(roles.staff), item)
    assert permissions.may_report_on(_fresh(roles.other_staff), item)
    assert item.responsibilities.get(role="lead").department == mutual_aid
    office.refresh_from_db()
    assert not office.is_active
    assert not Responsibility.objects.filter(department=office).exists()


def test_deactivating_a_department_with_items_needs_a_successor(client, roles, plan_2020):
    office = Department.objects.get(name="办公室")
    client.force_login(roles.plan_admin)
    response = client.post(reverse("departments:department-deactivate", args=[office.pk]), {})
    assert response.status_code == 400
    assert "请选择接手的部室" in response.content.decode()
    office.refresh_from_db()
    assert office.is_active


def test_a_shared_item_keeps_one_lead_when_the_lead_moves_to_a_co_organizer(roles, plan_2020):
    office = Department.objects.get(name="办公室")
    organisation = Department.objects.get(name="组织基层部")  # co-organizer of item 1
    department_services.department_deactivate(department=office, successor=organisation)
    item = WorkItem.objects.get(section__plan=plan_2020, number=1)
    assert list(item.responsibilities.values_list("department__name", "role")) == [
        ("组织基层部", "lead"),
        ("权益网络宣传部", "co_organizer"),
    ]


def test_publishing_is_refused_with_a_readable_list_while_something_is_missing(client, roles, plan_2020):
    WorkPlan.objects.filter(pk=plan_2020.pk).update(status=WorkPlan.Status.DRAFT)
    client.force_login(roles.plan_admin)

    response = client.post(reverse("tasks:plan-publish", args=[plan_2020.pk]), follow=True)

    page = response.content.decode()
    assert "未发布" in page
    assert "待定" in page
    assert "省级劳模和工匠人才创新工作室" in page
    plan_2020.refresh_from_db()
    assert plan_2020.status == "draft"


def test_filling_every_placeholder_and_staffing_every_department_allows_publishing(client, roles, plan_2020, django_user_model):
    client.force_login(roles.plan_admin)
    for target in Target.objects.filter(item__section__plan=plan_2020, target_value__isnull=True):
        field = "value" if target.kind != "percentage" else "value"
        response = client.post(reverse("tasks:target-fill", args=[target.pk]), {f"t{target.pk}-{field}": "3"})
        assert response.status_code == 302
    for n, department in enumerate(Department.objects.all()):
        head = django_user_model.objects.create_user(f"head{n}")
        membership_set(user=head, department=department, role=Membership.Role.HEAD)

    response = client.post(reverse("tasks:plan-publish", args=[plan_2020.pk]))

    assert response.status_code == 302
    plan_2020.refresh_from_db()
    assert plan_2020.status == "published"


def test_a_placeholder_marked_no_number_does_not_hold_up_publishing(client, roles, plan_2020):
    target = Target.objects.filter(item__section__plan=plan_2020, target_value__isnull=True).first()
    client.force_login(roles.plan_admin)
    client.post(reverse("tasks:target-fill", args=[target.pk]), {f"t{target.pk}-no_number": "on"})
    target.refresh_from_db()
    assert target.no_number and target.target_value is None
    from tasks.selectors import plan_setup_problems

    assert target not in plan_setup_problems(plan=plan_2020).placeholder_targets


def test_a_rate_over_100_is_refused_on_the_setup_form(client, roles, plan_2020):
    rate = Target.objects.filter(item__section__plan=plan_2020, kind="percentage").first()
    client.force_login(roles.plan_admin)
    response = client.post(reverse("tasks:target-fill", args=[rate.pk]), {f"t{rate.pk}-value": "120"})
    assert response.status_code == 400
    assert "小于或等于100" in response.content.decode()
    rate.refresh_from_db()
    assert rate.target_value is None


def test_cloning_2020_into_2021(client, roles, plan_2020):
    # given a 2020 plan with progress
    item = WorkItem.objects.get(section__plan=plan_2020, number=16)
    target = item.targets.get(unit="期")
    target.current_value = Decimal(1)
    target.save()
    submit_report(
        item=item, department=Department.objects.get(name="组织基层部"), reporter=roles.plan_admin, status="in_progress",
        percent=50, narrative="x",
    )
    client.force_login(roles.plan_admin)

    # when it is copied into 2021
    response = client.post(reverse("tasks:plan-clone", args=[plan_2020.pk]), {"year": "2021"})

    # then 2021 is a draft with the same items, departments and targets, and no progress
    assert response.status_code == 302
    new = WorkPlan.objects.get(year=2021)
    assert (new.status, new.title) == ("draft", "市总工会2021年工作要点")
    old_items = WorkItem.objects.filter(section__plan=plan_2020).order_by("number")
    new_items = WorkItem.objects.filter(section__plan=new).order_by("number")
    assert new_items.count() == 18
    for old, copy in zip(old_items, new_items):
        assert copy.title == old.title
        assert list(copy.responsibilities.values_list("department_id", "role")) == list(
            old.responsibilities.values_list("department_id", "role")
        )
        assert list(copy.targets.values_list("subject", "kind", "unit", "target_value")) == list(
            old.targets.values_list("subject", "kind", "unit", "target_value")
        )
        assert copy.due_date.year == 2021
    assert not Target.objects.filter(item__section__plan=new, current_value__isnull=False).exists()
    assert not ProgressReport.objects.filter(item__section__plan=new).exists()
    # and 2020 is untouched
    target.refresh_from_db()
    assert target.current_value == Decimal(1)
    assert ProgressReport.objects.filter(item__section__plan=plan_2020).count() == 1
    # and the departments may report on the new items once it is published (a draft takes no reports)
    assert not permissions.may_report_on(_fresh(roles.staff), new_items.get(number=1))
    WorkPlan.objects.filter(pk=new.pk).update(status=WorkPlan.Status.PUBLISHED)
    assert permissions.may_report_on(_fresh(roles.staff), new_items.get(number=1))


def test_cloning_keeps_the_plans_settings_and_each_items_checkpoints_and_deadline(plan_2020):
    # given a plan reporting quarterly on the 20th, and item 16 with a 2020-02-29 checkpoint expecting one 培训班
    plan_2020.reporting_cycle, plan_2020.reporting_day, plan_2020.rollup_margin = "quarterly", 20, 15
    plan_2020.completion_check_required, plan_2020.extension_steps = False, 1
    plan_2020.save()
    item = WorkItem.objects.get(section__plan=plan_2020, number=16)
    item.deadline_text, item.responsible_leader = "6月底前", "张副主席"
    item.save()
    checkpoint = Checkpoint.objects.create(item=item, due_date=datetime.date(2020, 2, 29), title="第一期培训班",
                                           expected_percent=50)
    CheckpointTarget.objects.create(checkpoint=checkpoint, target=item.targets.get(unit="期"), expected_value=1)

    # when it is copied into 2021
    clone = services.plan_clone(plan=plan_2020, year=2021)

    # then the settings, the deadline as written and the checkpoint (on 28 February) come along
    assert (clone.reporting_cycle, clone.reporting_day, clone.rollup_margin) == ("quarterly", 20, 15)
    assert (clone.completion_check_required, clone.extension_steps) == (False, 1)
    copy = WorkItem.objects.get(section__plan=clone, number=16)
    assert (copy.deadline_text, copy.responsible_leader) == ("6月底前", "张副主席")
    (copied,) = copy.checkpoints.all()
    assert (copied.due_date, copied.title, copied.expected_percent) == (datetime.date(2021, 2, 28), "第一期培训班", 50)
    (value,) = copied.target_values.all()
    assert (value.target.item_id, value.target.unit, value.expected_value) == (copy.pk, "期", 1)


def test_cloning_into_a_year_that_exists_is_refused_on_the_field(client, roles, plan_2020):
    client.force_login(roles.plan_admin)
    response = client.post(reverse("tasks:plan-clone", args=[plan_2020.pk]), {"year": "2020"})
    assert response.status_code == 400
    assert "已有2020年的计划" in response.content.decode()


def test_upload_shows_a_preview_then_imports_on_confirmation(client, roles, db):
    client.force_login(roles.plan_admin)
    text = PLAN_2020.read_text(encoding="utf-8").replace("2020年工作要点", "2022年工作要点", 1)

    from django.core.files.uploadedfile import SimpleUploadedFile

    preview = client.post(
        reverse("tasks:plan-upload"), {"document": SimpleUploadedFile("2022.txt", text.encode("gb18030"))}
    )
    assert preview.status_code == 200
    assert "尚未保存" in preview.content.decode()
    assert not WorkPlan.objects.filter(year=2022).exists()

    done = client.post(reverse("tasks:plan-upload"), {"confirm": "1"})
    assert done.status_code == 302
    assert WorkItem.objects.filter(section__plan__year=2022).count() == 18


def test_a_bad_upload_names_the_line(client, roles, db):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(roles.plan_admin)
    text = "某局2021年工作要点\n总体要求。\n1.没有所属部分的工作。（责任部室：办公室）\n一、第一部分\n2.工作。\n"
    response = client.post(reverse("tasks:plan-upload"), {"document": SimpleUploadedFile("bad.txt", text.encode())})
    assert response.status_code == 400
    assert "第 3 行" in response.content.decode()
    assert not WorkPlan.objects.filter(year=2021).exists()


def test_a_closed_plan_stays_viewable_with_its_history(client, roles, plan_2020):
    client.force_login(roles.plan_admin)
    client.post(reverse("tasks:plan-close", args=[plan_2020.pk]))
    plan_2020.refresh_from_db()
    assert plan_2020.status == "closed"
    client.force_login(roles.staff)
    assert client.get(plan_2020.get_absolute_url()).status_code == 200
    item = WorkItem.objects.get(section__plan=plan_2020, number=1)
    assert client.get(reverse("progress:report-create", args=[item.pk])).status_code == 403
