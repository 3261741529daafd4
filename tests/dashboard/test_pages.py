"""The leadership dashboard, drill-downs, department view and bulletins, read from the roll-up."""

import datetime
import re

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from core.numbers import percent
from departments.models import Department
from progress import services as progress_services
from supervision import services as supervision_services
from tasks.models import WorkItem
from tests.documents import bulk_plan
from tests.factories import submit_report

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2020, 7, 1)


@pytest.fixture
def rolled_up(plan_2020, roles):
    """Item 1 reported delayed (滞后) and approved; roll-up and two daily snapshots stored."""
    item = WorkItem.objects.get(section__plan=plan_2020, number=1)
    report = submit_report(
        item=item, department=Department.objects.get(name="办公室"), reporter=roles.staff, status="delayed", percent=20,
        narrative="受疫情影响，培训班推迟。",
    )
    progress_services.report_approve(report=report, reviewer=roles.head)
    supervision_services.instruction_create(item=item, author=roles.leader, text="请尽快恢复培训。")
    progress_services.snapshot_take(day=TODAY - datetime.timedelta(days=1), plan=plan_2020)
    progress_services.rollup_refresh(plan=plan_2020, today=TODAY)
    progress_services.snapshot_take(day=TODAY, plan=plan_2020)
    return plan_2020


def test_dashboard_shows_six_section_cards_in_document_order(client, roles, rolled_up):
    client.force_login(roles.leader)
    response = client.get(reverse("dashboard:dashboard"))
    assert response.status_code == 200
    cards = response.context["data"].cards
    assert [c.section.numeral for c in cards] == list("一二三四五六")
    page = response.content.decode()
    assert "突出思想政治引领，引导广大职工听党话跟党走" in page
    assert cards[0].rollup.items_red == 1  # item 1, reported 滞后
    assert "办公室" in cards[0].departments
    assert response.context["data"].rollup.items_red == 1
    assert "vendor/echarts/echarts.min.js" in page
    # (a random CSRF token may spell "cdn": only what the page loads counts)
    assert "cdn" not in re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", page).lower()


def test_section_page_filters_by_light(client, roles, rolled_up):
    client.force_login(roles.leader)
    section = rolled_up.sections.get(number=1)
    response = client.get(reverse("dashboard:section-dashboard", args=[section.pk]) + "?light=red")
    items = response.context["items"]
    assert [i.number for i in items] == [1]
    assert "受疫情影响" in response.content.decode()
    everything = client.get(reverse("dashboard:section-dashboard", args=[section.pk])).context["items"]
    assert [i.number for i in everything] == [1, 2]


def test_staff_see_their_department_only(client, roles, rolled_up):
    office = Department.objects.get(name="办公室")
    client.force_login(roles.staff)
    assert client.get(reverse("dashboard:dashboard")).status_code == 403
    response = client.get(reverse("dashboard:department-dashboard", args=[office.pk]))
    assert response.status_code == 200
    numbers = [i.number for i in response.context["items"]]
    assert numbers == sorted(WorkItem.objects.filter(responsibilities__department=office).values_list("number", flat=True))
    other = Department.objects.get(name="职工互助办")
    assert client.get(reverse("dashboard:department-dashboard", args=[other.pk])).status_code == 403
    assert client.get(reverse("dashboard:my-department-dashboard")).url == reverse(
        "dashboard:department-dashboard", args=[office.pk]
    )


def test_unknown_year_is_404(client, roles, rolled_up):
    client.force_login(roles.leader)
    assert client.get(reverse("dashboard:dashboard") + "?year=1999").status_code == 404


DASHBOARD_QUERIES = 15  # session, user, groups, plans, the figures and their day, the trend, leads, departments
SECTION_QUERIES = 11  # + a page of rows: the scope, its figures, the rows, their departments, their latest reports
DEPARTMENT_QUERIES = 15  # + the department, its led items, their figures and last reports


def _queries(client, url):
    # the first view after a roll-up: the dashboard's body is rendered, not read from the cache (this worker's
    # keys only: a FLUSHDB would end the other worker's sessions mid-test)
    cache.delete_pattern("*") if hasattr(cache, "delete_pattern") else cache.clear()
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_dashboard_queries_are_the_same_for_18_and_10000_items(client, roles, rolled_up, django_assert_max_num_queries):
    # given the 2020 plan and a synthetic plan of 10,000 items, both rolled up
    big = bulk_plan(items=10_000, departments=200, reports=2_000, year=2020)
    progress_services.snapshot_take(day=TODAY - datetime.timedelta(days=1), plan=big)
    progress_services.rollup_refresh(plan=big, today=TODAY)
    client.force_login(roles.leader)
    office = Department.objects.get(name="办公室")
    big_department = Department.objects.get(name="合成总工会部门1")
    pages = [
        (reverse("dashboard:dashboard") + f"?plan={rolled_up.pk}", reverse("dashboard:dashboard") + f"?plan={big.pk}",
         DASHBOARD_QUERIES),
        (reverse("dashboard:section-dashboard", args=[rolled_up.sections.get(number=1).pk]),
         reverse("dashboard:section-dashboard", args=[big.sections.get(number=1).pk]), SECTION_QUERIES),
        (reverse("dashboard:department-dashboard", args=[office.pk]) + f"?plan={rolled_up.pk}",
         reverse("dashboard:department-dashboard", args=[big_department.pk]) + f"?plan={big.pk}", DEPARTMENT_QUERIES),
    ]
    # and each as of a past day (回看), from the snapshots
    past = lambda url: url + ("&" if "?" in url else "?") + "as_of=2020-06-30"  # noqa: E731
    pages += [(past(small), past(big), limit) for small, big, limit in pages]
    for small_url, big_url, limit in pages:
        # when each page is shown for both plans
        with django_assert_max_num_queries(limit):
            small = _queries(client, small_url)
        big_count = _queries(client, big_url)
        # then the number of queries is the same
        assert small == big_count, (small_url, small, big_count)


def test_the_numbers_on_the_page_are_the_rollups(client, roles, rolled_up):
    from progress.models import PlanRollup, SectionRollup

    client.force_login(roles.leader)
    page = client.get(reverse("dashboard:dashboard")).content.decode()

    plan = PlanRollup.objects.get(plan=rolled_up)
    assert f'<span class="big">{percent(plan.percent)}</span>' in page
    assert f'<span class="big">{plan.items_red}</span><span>滞后</span>' in page
    assert f'<span class="big">{plan.targets_met}/{plan.targets_total}</span>' in page
    for rollup in SectionRollup.objects.filter(section__plan=rolled_up).select_related("section"):
        card = page.split(f'id="card-{rollup.section.number}"', 1)[1].split("</article>", 1)[0]
        assert f"<strong>{percent(rollup.percent)}</strong>" in card
        assert f"滞后 {rollup.items_red}</a>" in card
        assert f"预警 {rollup.items_yellow}</a>" in card


def test_anonymous_visitors_are_sent_to_login(client, rolled_up):
    for url in (reverse("dashboard:dashboard"), reverse("dashboard:bulletin-excel"), reverse("dashboard:bulletin-word")):
        response = client.get(url)
        assert response.status_code == 302 and response.url.startswith(reverse("login"))


def test_the_dashboard_body_is_rendered_once_per_rollup(client, roles, rolled_up, django_assert_max_num_queries):
    client.force_login(roles.leader)
    first = client.get(reverse("dashboard:dashboard")).content.decode()

    # the session at most (the database's store; Redis's reads none): the user with their groups and the
    # plans for the year picker are cached too, and the body comes from the cache
    with django_assert_max_num_queries(1):
        second = client.get(reverse("dashboard:dashboard")).content.decode()
    # (the CSRF tokens differ per page: the header's log-out form and the late list's 一键催办)
    body = lambda page: re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", page.split('<section class="kpis"', 1)[1])  # noqa: E731
    assert body(second) == body(first)

    # a new roll-up shows at once
    item = WorkItem.objects.get(section__plan=rolled_up, number=2)
    report = submit_report(
        item=item, department=Department.objects.get(name="办公室"), reporter=roles.staff, status="done", percent=100,
        narrative="完成。",
    )
    progress_services.report_approve(report=report, reviewer=roles.head)
    progress_services.rollup_refresh(plan=rolled_up, today=TODAY)
    assert body(client.get(reverse("dashboard:dashboard")).content.decode()) != body(first)


def test_a_cache_outage_is_not_an_error(client, roles, rolled_up, settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "core.prefetch.TrackedRedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens there
            "OPTIONS": {"IGNORE_EXCEPTIONS": True, "SOCKET_CONNECT_TIMEOUT": 0.2, "SOCKET_TIMEOUT": 0.2},
        }
    }
    client.force_login(roles.leader)
    response = client.get(reverse("dashboard:dashboard"))
    assert response.status_code == 200
    assert "突出思想政治引领" in response.content.decode()
