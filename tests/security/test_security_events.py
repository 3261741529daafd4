"""Security events (安全审计): who, when, from where, what — recorded for log-ins, failures,
lock-outs, log-outs, 403s, role and membership changes and password changes; shown to plan admins
with filters and as Excel; never editable in the admin; swept after their retention."""

from __future__ import annotations

import datetime
import io

import openpyxl
import pytest
from django.urls import reverse
from django.utils import timezone

from departments.models import Department, Membership, SecurityEvent
from departments.roles import LEADERSHIP_GROUP
from departments.services import membership_remove, membership_set, person_roles_set, security_events_sweep

pytestmark = pytest.mark.django_db

Kind = SecurityEvent.Kind


def _kinds():
    return list(SecurityEvent.objects.order_by("pk").values_list("kind", flat=True))


def test_log_ins_failures_and_log_outs_are_recorded_with_the_address(client, django_user_model):
    django_user_model.objects.create_user("zhang", password="right-password-1")
    client.post(reverse("login"), {"username": "zhang", "password": "wrong"}, REMOTE_ADDR="10.1.2.3")
    client.post(reverse("login"), {"username": "zhang", "password": "right-password-1"}, REMOTE_ADDR="10.1.2.3")
    client.post(reverse("logout"))
    assert _kinds() == [Kind.LOGIN_FAILED, Kind.LOGIN, Kind.LOGOUT]
    failed = SecurityEvent.objects.get(kind=Kind.LOGIN_FAILED)
    assert failed.username == "zhang" and failed.address == "10.1.2.3" and failed.user is None
    assert "wrong" not in failed.detail and "wrong" not in failed.path


def test_a_lock_out_is_recorded(client, django_user_model, settings):
    django_user_model.objects.create_user("li", password="right-password-1")
    for _attempt in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("login"), {"username": "li", "password": "wrong"})
    assert SecurityEvent.objects.filter(kind=Kind.LOCKED_OUT, username="li").count() == 1


def test_a_refused_page_is_recorded(client, roles):
    client.force_login(roles.staff)
    assert client.get(reverse("departments:people")).status_code == 403
    event = SecurityEvent.objects.get(kind=Kind.PERMISSION_DENIED)
    assert event.user == roles.staff and event.path == reverse("departments:people")


def test_role_and_membership_changes_are_recorded(roles, django_user_model):
    person = django_user_model.objects.create_user("wang", password="pw-for-tests-1")
    office = Department.objects.get(name="办公室")
    membership_set(user=person, department=office, role=Membership.Role.HEAD)
    membership_set(user=person, department=office, role=Membership.Role.HEAD)  # no change: no event
    membership_remove(user=person, department=office)
    person_roles_set(user=person, roles={LEADERSHIP_GROUP}, by=roles.plan_admin)
    person_roles_set(user=person, roles={LEADERSHIP_GROUP}, by=roles.plan_admin)  # no change: no event
    events = list(SecurityEvent.objects.filter(username__in=["wang", roles.plan_admin.username]).order_by("pk"))
    assert [e.kind for e in events] == [Kind.MEMBERSHIP_CHANGED, Kind.MEMBERSHIP_CHANGED, Kind.ROLES_CHANGED]
    assert events[-1].user == roles.plan_admin and "wang" in events[-1].detail


def test_a_password_change_is_recorded_and_a_log_in_is_not_one(client, django_user_model):
    person = django_user_model.objects.create_user("zhao", password="first-password-1")
    client.force_login(person)  # saves last_login only
    person.set_password("second-password-2")
    person.save()
    assert SecurityEvent.objects.filter(kind=Kind.PASSWORD_CHANGED, user=person).count() == 1


def test_plan_admins_read_filter_and_export_the_events(client, roles):
    SecurityEvent.objects.create(kind=Kind.LOGIN_FAILED, username="=HYPERLINK(\"http://evil.example\")",
                                 address="10.0.0.9")
    SecurityEvent.objects.create(kind=Kind.LOGIN, username="leader")
    client.force_login(roles.plan_admin)
    url = reverse("departments:security-events")
    page = client.get(url, {"kind": Kind.LOGIN_FAILED}).content.decode()
    assert "10.0.0.9" in page and "&quot;http://evil.example&quot;" in page
    assert 'class="login"' not in page
    assert "10.0.0.9" not in client.get(url, {"who": "leader"}).content.decode()
    # the Excel export: the same rows, every cell text (a name typed as a formula stays words)
    workbook = openpyxl.load_workbook(io.BytesIO(client.get(url, {"format": "xlsx"}).content))
    cells = [cell for row in workbook.active.iter_rows(min_row=2) for cell in row]
    assert any(cell.value == "=HYPERLINK(\"http://evil.example\")" for cell in cells)
    assert all(cell.data_type == "s" for cell in cells if cell.value is not None)


def test_the_admin_site_cannot_add_change_or_delete_an_event(client, roles):
    event = SecurityEvent.objects.create(kind=Kind.LOGIN, username="leader")
    client.force_login(roles.plan_admin)
    assert client.get(reverse("admin:departments_securityevent_changelist")).status_code == 200
    assert client.get(reverse("admin:departments_securityevent_add")).status_code == 403
    assert client.post(reverse("admin:departments_securityevent_delete", args=[event.pk]), {"post": "yes"}).status_code == 403
    assert SecurityEvent.objects.filter(pk=event.pk).exists()


def test_events_older_than_the_retention_are_swept(settings):
    settings.SECURITY_EVENT_RETENTION_DAYS = 30
    old = SecurityEvent.objects.create(kind=Kind.LOGIN, username="a")
    SecurityEvent.objects.filter(pk=old.pk).update(at=timezone.now() - datetime.timedelta(days=31))
    SecurityEvent.objects.create(kind=Kind.LOGIN, username="b")
    assert security_events_sweep() == 1
    assert list(SecurityEvent.objects.values_list("username", flat=True)) == ["b"]
