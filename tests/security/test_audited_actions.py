"""The actions that change who holds what or what the portal holds are security events (安全审计),
with who did them: a department's hand-over, a plan's publish, close and reopen, plan and people
imports, backups and restores; a command is named, the system is 系统. The audit page filters by them."""

from __future__ import annotations

import datetime
import zoneinfo

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse

from departments.models import Department, Membership, SecurityEvent
from departments.services import department_deactivate, membership_set
from tasks.models import Target, WorkPlan

pytestmark = pytest.mark.django_db

Kind = SecurityEvent.Kind


def _event(kind):
    events = list(SecurityEvent.objects.filter(kind=kind))
    assert len(events) == 1, f"{kind}: {events}"
    return events[0]


def test_a_hand_over_on_its_page_is_recorded_with_who_and_where_to(client, roles):
    client.force_login(roles.plan_admin)
    office, organisation = Department.objects.get(name="办公室"), Department.objects.get(name="组织基层部")
    client.post(reverse("departments:department-deactivate", args=[office.pk]), {"successor": organisation.pk})
    event = _event(Kind.DEPARTMENT_HANDED_OVER)
    assert event.user == roles.plan_admin and "办公室 → 组织基层部" in event.detail


def test_a_hand_over_by_code_is_the_systems(roles):
    department_deactivate(department=Department.objects.get(name="办公室"),
                          successor=Department.objects.get(name="组织基层部"))
    assert _event(Kind.DEPARTMENT_HANDED_OVER).username == "系统"


def test_publishing_closing_and_reopening_a_plan_are_recorded(client, roles, plan_2020, django_user_model):
    WorkPlan.objects.filter(pk=plan_2020.pk).update(status=WorkPlan.Status.DRAFT)
    Target.objects.filter(item__section__plan=plan_2020, target_value__isnull=True).update(no_number=True)
    for n, department in enumerate(Department.objects.all()):
        membership_set(user=django_user_model.objects.create_user(f"head{n}"), department=department,
                       role=Membership.Role.HEAD)
    client.force_login(roles.plan_admin)
    with time_machine.travel(datetime.datetime(2020, 7, 1, 10, tzinfo=zoneinfo.ZoneInfo("Asia/Shanghai"))):
        assert client.post(reverse("tasks:plan-publish", args=[plan_2020.pk])).status_code == 302
        client.post(reverse("tasks:plan-close", args=[plan_2020.pk]))
        client.post(reverse("tasks:plan-reopen", args=[plan_2020.pk]))
    for kind in (Kind.PLAN_PUBLISHED, Kind.PLAN_CLOSED, Kind.PLAN_REOPENED):
        event = _event(kind)
        assert event.user == roles.plan_admin and plan_2020.title in event.detail


def test_closing_a_plan_through_the_api_is_recorded_with_the_clients_user(roles, plan_2020):
    from tests.api_client import API, client_for

    assert client_for(roles.plan_admin).post(f"{API}/plans/{plan_2020.pk}/close/").status_code == 200
    assert _event(Kind.PLAN_CLOSED).user == roles.plan_admin


def test_a_plan_imported_by_the_command_is_recorded_under_its_name(db):
    from tests.conftest import PLAN_2020

    call_command("import_plan", str(PLAN_2020))
    event = _event(Kind.PLAN_IMPORTED)
    assert event.username == "manage.py import_plan" and event.user is None
    assert PLAN_2020.name in event.detail


def test_a_plan_uploaded_on_its_page_is_recorded_with_who_uploaded_it(client, roles):
    from tests.conftest import PLAN_2020

    SecurityEvent.objects.all().delete()  # the fixture's own import
    client.force_login(roles.plan_admin)
    client.post(reverse("tasks:plan-upload"), {"document": SimpleUploadedFile(PLAN_2020.name, PLAN_2020.read_bytes())})
    client.post(reverse("tasks:plan-upload"), {"confirm": "1"})
    event = _event(Kind.PLAN_IMPORTED)
    assert event.user == roles.plan_admin and PLAN_2020.name in event.detail


def test_a_people_list_imported_on_its_page_is_recorded(client, roles):
    client.force_login(roles.plan_admin)
    listed = "姓名,用户名,部室\n钱八,qianba,办公室\n".encode()
    client.post(reverse("departments:people-upload"), {"file": SimpleUploadedFile("people.csv", listed)})
    client.post(reverse("departments:people-upload"), {"confirm": "1"})
    event = _event(Kind.PEOPLE_IMPORTED)
    assert event.user == roles.plan_admin and "people.csv" in event.detail and "1" in event.detail


@pytest.mark.django_db(transaction=True)
def test_a_backup_by_the_command_is_recorded_under_its_name(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    call_command("backup", output=tmp_path)
    event = _event(Kind.BACKUP_MADE)
    assert event.username == "manage.py backup" and "unionplan-backup-" in event.detail


def test_the_audit_page_offers_the_new_events_as_filters(client, roles):
    client.force_login(roles.plan_admin)
    department_deactivate(department=Department.objects.get(name="办公室"),
                          successor=Department.objects.get(name="组织基层部"), actor=roles.plan_admin)
    page = client.get(reverse("departments:security-events")).content.decode()
    for label in ("部室移交", "发布工作要点", "关闭工作要点", "重新开放工作要点", "导入工作要点", "导入人员名单",
                  "备份数据", "恢复备份", "签发 API 令牌", "撤销 API 令牌", "结束登录会话"):
        assert label in page, label
    filtered = client.get(reverse("departments:security-events") + "?kind=department_handed_over").content.decode()
    assert "办公室 → 组织基层部" in filtered
