"""Who is late, by name, on the dashboard: the items and departments behind the counts, worst first, and
一键催办 from there for the office and leadership (supervision's one rule of late and its chase)."""

import datetime
import re

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from departments.models import Department
from progress import services as progress_services
from supervision import selectors as supervision_selectors
from supervision.models import Chase
from tasks.models import WorkItem
from tests.factories import submit_report

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2020, 7, 1)


@pytest.fixture
def rolled_up(plan_2020, roles):
    item = WorkItem.objects.get(section__plan=plan_2020, number=1)
    report = submit_report(item=item, department=Department.objects.get(name="办公室"), reporter=roles.staff,
                           status="delayed", percent=20, narrative="推迟。")
    progress_services.report_approve(report=report, reviewer=roles.head)
    progress_services.rollup_refresh(plan=plan_2020, today=TODAY)
    cache.delete_pattern("*") if hasattr(cache, "delete_pattern") else cache.clear()
    return plan_2020


def _late_section(page: str) -> str:
    return page.split('id="late"', 1)[1].split("</section>", 1)[0]


def test_the_dashboard_names_the_late_items_and_departments_worst_first(client, roles, rolled_up, monkeypatch):
    # given the plan half-way through 2020: items due by June are overdue, most were not reported this cycle;
    # the dashboard names the worst 5 (20 on a real plan; the 2020 plan has 18 items)
    from dashboard import views

    monkeypatch.setattr(views, "LATE_SHOWN", 5)
    board = supervision_selectors.late_board(plan=rolled_up, today=TODAY, limit=5)
    assert board.items_total > 5  # more than the dashboard names

    # when a leader opens the dashboard
    client.force_login(roles.leader)
    late = _late_section(client.get(reverse("dashboard:dashboard")).content.decode())

    # then it names the first 20 late items, each linked to its page, and their lead departments, linked too
    shown = re.findall(r'<a href="/items/(\d+)/">', late)
    assert [int(pk) for pk in shown] == [entry.item.pk for entry in board.items] and len(shown) == 5
    # worst first: overdue, then behind schedule (red), then only not reported; item 1 (滞后) leads here
    rank = [(not e.overdue, not e.red) for e in board.items]
    assert rank == sorted(rank) and board.items[0].item.number == 1 and board.items[0].red
    first = board.items[0]
    assert f'href="{reverse("dashboard:department-dashboard", args=[first.department.pk])}?year=2020"' in late
    assert 'class="flag bad red">滞后' in late and 'class="flag warn unreported"' in late
    # and one link lists every one
    assert f'{reverse("dashboard:late")}?year=2020' in late and f"全部（{board.items_total}）" in late
    # and departments come worst first: the most overdue items first
    overdue = [row.overdue for row in board.departments]
    assert overdue == sorted(overdue, reverse=True)


def test_the_late_list_is_the_desks_and_the_chase_forms(rolled_up):
    # one rule of late: the board's departments are those the desk and the chase form list
    board = supervision_selectors.late_board(plan=rolled_up, today=TODAY, limit=None)
    late = supervision_selectors.late_departments(plan=rolled_up)
    assert {row.department.pk for row in board.departments} == {entry.department.pk for entry in late}
    assert board.items_total == sum(len(entry.items) for entry in late)


def test_the_office_chases_the_late_departments_from_the_dashboard(client, roles, rolled_up):
    # given the supervision office (督查) on the dashboard
    client.force_login(roles.supervisor)
    page = client.get(reverse("dashboard:dashboard")).content.decode()
    late = _late_section(page)
    assert 'action="/chases/new/"' in late and "一键催办" in late and "csrfmiddlewaretoken" in late
    chosen = re.findall(r'name="departments" value="(\d+)"', late)
    expected = {entry.department.pk for entry in supervision_selectors.late_departments(plan=rolled_up)}
    assert {int(pk) for pk in chosen} == expected
    reply_by = re.search(r'name="reply_by" value="([\d-]+)"', late).group(1)
    next_url = re.search(r'name="next" value="([^"]+)"', late).group(1)

    # when they confirm the chase
    response = client.post(reverse("supervision:chase-create"), {
        "plan": rolled_up.pk, "departments": chosen, "message": "请报送。", "reply_by": reply_by, "next": next_url})

    # then every late department is chased on its late items, and the office is back on the dashboard
    assert response.status_code == 302 and response.url.endswith("#late")
    chase = Chase.objects.get(plan=rolled_up)
    assert {t.department_id for t in chase.targets.all()} == expected
    late = _late_section(client.get(response.url.split("#")[0]).content.decode())
    # and the list says who was chased, when, and offers no second chase today
    assert len(re.findall(rf'class="chased">[^<—]*{TODAY:%Y-%m-%d}', late)) == min(len(expected), 20)
    assert 'action="/chases/new/"' not in late


def test_only_the_office_and_leadership_see_the_chase(client, roles, rolled_up):
    for user, sees in ((roles.leader, True), (roles.supervisor, True), (roles.plan_admin, False)):
        client.force_login(user)
        late = _late_section(client.get(reverse("dashboard:dashboard")).content.decode())
        assert ("一键催办" in late) is sees, user
        assert "<!--late-action-->" not in late
        full = client.get(reverse("dashboard:late")).content.decode()
        assert ("一键催办" in full) is sees, user
    client.force_login(roles.staff)
    assert client.get(reverse("dashboard:late")).status_code == 403
    assert client.get(reverse("dashboard:dashboard")).status_code == 403


def test_a_cached_dashboard_serves_the_chase_without_rendering_again(rolled_up, django_user_model,
                                                                     django_assert_max_num_queries):
    from departments.roles import SUPERVISION_GROUP
    from departments.services import role_group

    clerks = []
    for username in ("clerk-1", "clerk-2"):
        clerk = django_user_model.objects.create_user(username, password="pass-word-1")
        clerk.groups.add(role_group(SUPERVISION_GROUP))
        client = Client(enforce_csrf_checks=True)
        client.force_login(clerk)
        clerks.append(client)
    # given one office clerk's view rendered the page
    clerks[0].get(reverse("dashboard:dashboard"))

    # when a second clerk opens it: session, user, plans, and nothing rendered
    with django_assert_max_num_queries(6):
        page = clerks[1].get(reverse("dashboard:dashboard")).content.decode()

    # then the chase is there, with the second clerk's own token, good for their session
    assert "一键催办" in _late_section(page) and "uP9d1c" not in page
    token = re.search(r'id="late-chase".*?name="csrfmiddlewaretoken" value="([^"]+)"', page, re.S).group(1)
    assert clerks[1].post(reverse("logout"), {"csrfmiddlewaretoken": token}).status_code == 302


LATE_QUERIES = 8  # session, user, plan, the page of items, their count, the departments, nav flags


def test_the_full_list_pages_the_items_in_a_fixed_number_of_queries(client, roles, rolled_up,
                                                                    django_assert_max_num_queries):
    client.force_login(roles.supervisor)
    with django_assert_max_num_queries(LATE_QUERIES):
        page = client.get(reverse("dashboard:late") + "?year=2020").content.decode()
    board = supervision_selectors.late_board(plan=rolled_up, today=TODAY, limit=None)
    assert len(re.findall(r'<a href="/items/\d+/">', _late_section(page))) == min(board.items_total, 100)
    for row in board.departments:
        assert row.department.name in page
