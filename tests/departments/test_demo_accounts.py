import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command

from departments.demo import DEMO_PASSWORD
from departments.models import Department, Membership

pytestmark = pytest.mark.django_db


def test_seed_demo_creates_admin_leader_and_a_head_and_staff_per_department(plan_2020, capsys):
    call_command("seed_demo")
    out = capsys.readouterr().out

    assert DEMO_PASSWORD in out
    departments = Department.objects.count()
    assert Membership.objects.filter(role=Membership.Role.HEAD).count() == departments
    # a staff member per department, and the office's supervision clerk (督查)
    assert Membership.objects.filter(role=Membership.Role.MEMBER).count() == departments + 1
    for username in ("admin", "leader", "duban", "d01-head", "d01-staff"):
        assert username in out
        assert authenticate(username=username, password=DEMO_PASSWORD) is not None
    head = Membership.objects.get(user__username="d01-head")
    assert head.user.groups.filter(pk=head.department.group_id).exists()
    # the office's head and its 督查 clerk hold the supervision role
    from departments.permissions import is_supervisor

    duban = Membership.objects.get(user__username="duban")
    assert duban.department == head.department and head.department.name == "办公室"
    assert is_supervisor(duban.user) and is_supervisor(head.user)
    assert not is_supervisor(Membership.objects.get(user__username="d01-staff").user)


def test_seed_demo_twice_changes_nothing(plan_2020):
    call_command("seed_demo")
    before = list(Membership.objects.values_list("user__username", "department__name", "role").order_by("pk"))
    call_command("seed_demo")
    after = list(Membership.objects.values_list("user__username", "department__name", "role").order_by("pk"))
    assert before == after
