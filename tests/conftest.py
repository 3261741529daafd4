"""Shared fixtures: the shipped 2020 plan, users in every role, service guards."""

from __future__ import annotations

import os
from dataclasses import dataclass

import pytest
from django.conf import settings

from departments.models import Department, Membership
from departments.roles import LEADERSHIP_GROUP, PLAN_ADMIN_GROUP, SUPERVISION_GROUP
from departments.services import membership_set, role_group

PLAN_2020 = settings.SEED_PLAN_DOCUMENT


def require_service(name: str, available: bool, why: str) -> None:
    """Skip a test whose service is missing on a laptop; fail it where CI requires the service."""
    if available:
        return
    required = {s.strip() for s in os.environ.get("UNIONPLAN_REQUIRE_SERVICES", "").split(",") if s.strip()}
    if name in required:
        pytest.fail(f"{name} is required here (UNIONPLAN_REQUIRE_SERVICES) but unavailable: {why}")
    pytest.skip(f"{name} unavailable: {why}")


def import_document(path=PLAN_2020, **kwargs):
    from tasks.services import plan_import_document

    return plan_import_document(data=path.read_bytes(), filename=path.name, **kwargs)


def publish(plan):
    """A plan as departments see it: published (a draft takes no reports)."""
    from tasks.models import WorkPlan

    from progress.services import plans_forget

    WorkPlan.objects.filter(pk=plan.pk).update(status=WorkPlan.Status.PUBLISHED)
    plans_forget()  # a bulk update: no signal tells the dashboard's cached list of plans
    plan.status = WorkPlan.Status.PUBLISHED
    return plan


def published_document(path=PLAN_2020, **kwargs):
    """The 2020 document imported and published (what the journeys report on)."""
    result = import_document(path, **kwargs)
    publish(result.plan)
    return result


@pytest.fixture(autouse=True)
def _empty_cache():
    """Each test starts with an empty cache: a page cached by another test (whose rows were rolled back
    and whose ids come again) is never served to this one."""
    from django.core.cache import cache

    if hasattr(cache, "delete_pattern"):
        # Redis: only this worker's keys (settings give each xdist worker its prefix); a FLUSHDB would
        # empty the other worker's sessions and pages in the middle of its test.
        cache.delete_pattern("*")
    else:
        cache.clear()


@pytest.fixture
def plan_2020(db):
    """The 2020 plan, published (a draft takes no reports); tests of set-up make it a draft again."""
    return publish(import_document().plan)


@pytest.fixture
def item1(plan_2020):
    """Item 1 of 2020 (强化理论武装): 办公室 leads, 组织基层部 and 权益网络宣传部 co-organize."""
    from tasks.models import WorkItem

    return WorkItem.objects.get(section__plan=plan_2020, number=1)


@dataclass
class Roles:
    """One user per role the portal knows, around the imported 2020 plan."""

    staff: object  # member of the lead department of item 1 (办公室)
    head: object  # head of the same department
    other_staff: object  # member of a department with no part in item 1 (职工互助办)
    leader: object
    plan_admin: object
    supervisor: object  # the supervision office (督查): in no department here, so only the role speaks


@pytest.fixture
def roles(plan_2020, django_user_model) -> Roles:
    def user(username, **extra):
        return django_user_model.objects.create_user(username=username, password="pw-for-tests-1", **extra)

    office = Department.objects.get(name="办公室")
    mutual_aid = Department.objects.get(name="职工互助办")
    staff, head, other = user("staff"), user("head"), user("other")
    membership_set(user=staff, department=office, role=Membership.Role.MEMBER)
    membership_set(user=head, department=office, role=Membership.Role.HEAD)
    membership_set(user=other, department=mutual_aid, role=Membership.Role.MEMBER)
    leader = user("leader")
    leader.groups.add(role_group(LEADERSHIP_GROUP))
    admin = user("planadmin", is_staff=True, is_superuser=True)
    admin.groups.add(role_group(PLAN_ADMIN_GROUP))
    supervisor = user("supervisor")
    supervisor.groups.add(role_group(SUPERVISION_GROUP))
    return Roles(staff=staff, head=head, other_staff=other, leader=leader, plan_admin=admin, supervisor=supervisor)


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    # Demo seeding hashes dozens of passwords; PBKDF2's cost buys nothing in tests.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
