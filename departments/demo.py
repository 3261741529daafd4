"""Demo accounts for a local portal: never used in production data."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils.translation import gettext as _

from . import services
from .models import Department, Membership
from .roles import LEADERSHIP_GROUP, PLAN_ADMIN_GROUP, SUPERVISION_GROUP

DEMO_PASSWORD = "unionplan2020"


@dataclass(frozen=True)
class DemoAccount:
    username: str
    description: str


def _demo_user(username: str, *, full_name: str, is_staff=False, is_superuser=False):
    user, _created = get_user_model().objects.get_or_create(username=username)
    user.first_name = full_name
    user.is_staff, user.is_superuser, user.is_active = is_staff, is_superuser, True
    # Reset each run so the printed password is always the one that works.
    user.set_password(DEMO_PASSWORD)
    user.save()
    return user


@transaction.atomic
def seed_demo_accounts() -> list[DemoAccount]:
    admin = _demo_user("admin", full_name=_("Plan administrator"), is_staff=True, is_superuser=True)
    admin.groups.add(services.role_group(PLAN_ADMIN_GROUP))
    leader = _demo_user("leader", full_name=_("Leadership"))
    leader.groups.add(services.role_group(LEADERSHIP_GROUP))
    accounts = [
        DemoAccount("admin", _("plan admin (admin site)")),
        DemoAccount("leader", _("leadership")),
    ]
    for position, department in enumerate(Department.objects.filter(is_active=True).order_by("order", "pk"), 1):
        for role, suffix, label in (
            (Membership.Role.HEAD, "head", _("head")),
            (Membership.Role.MEMBER, "staff", _("staff")),
        ):
            username = f"d{position:02d}-{suffix}"
            user = _demo_user(username, full_name=f"{department.name}{label}")
            for stale in Membership.objects.filter(user=user).exclude(department=department).select_related("department"):
                services.membership_remove(user=user, department=stale.department)
            services.membership_set(user=user, department=department, role=role)
            description = f"{department.name} · {label}"
            if position == 1 and role == Membership.Role.HEAD:
                # The first department of a plan is its office (办公室), which supervises the plan.
                user.groups.add(services.role_group(SUPERVISION_GROUP))
                description += " · " + _("supervision office")
            accounts.append(DemoAccount(username, description))
        if position == 1:
            duban = _demo_user("duban", full_name=_("%(department)s supervision") % {"department": department.name})
            services.membership_set(user=duban, department=department, role=Membership.Role.MEMBER)
            duban.groups.add(services.role_group(SUPERVISION_GROUP))
            accounts.insert(2, DemoAccount("duban", f"{department.name} · " + _("supervision office (督查)")))
    return accounts
