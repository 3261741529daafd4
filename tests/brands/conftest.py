"""Brands around the imported 2020 plan: the brands, their item, and users of the owner departments."""

from __future__ import annotations

import datetime

import pytest

from brands import services
from brands.models import Brand
from departments.models import Department, Membership
from departments.services import membership_set
from tasks.models import WorkItem


@pytest.fixture
def item_18(plan_2020):
    return WorkItem.objects.get(section__plan=plan_2020, number=18)


@pytest.fixture
def brand(plan_2020):
    """工会助力脱贫攻坚: owned by 办公室, the lead of item 18."""
    return Brand.objects.get(plan=plan_2020, name="工会助力脱贫攻坚")


@pytest.fixture
def co_brand(plan_2020):
    """党工共建: owned by 组织基层部, a co-organizer of item 18."""
    return Brand.objects.get(plan=plan_2020, name="党工共建")


@pytest.fixture
def milestones(brand, co_brand):
    def add(b, title, month):
        return services.milestone_create(brand=b, title=title, due_date=datetime.date(2020, month, 28))

    return {
        "first": add(brand, "制定方案", 6),
        "second": add(brand, "市级品牌", 12),
        "co_first": add(co_brand, "选树示范点", 6),
        "co_second": add(co_brand, "总结推广", 12),
    }


@pytest.fixture
def organisation_users(roles, django_user_model):
    """Staff and head of 组织基层部 (owner of 党工共建, co-organizer of item 18)."""
    department = Department.objects.get(name="组织基层部")
    staff = django_user_model.objects.create_user("org-staff", password="pw-for-tests-1")
    head = django_user_model.objects.create_user("org-head", password="pw-for-tests-1")
    membership_set(user=staff, department=department, role=Membership.Role.MEMBER)
    membership_set(user=head, department=department, role=Membership.Role.HEAD)
    return staff, head
