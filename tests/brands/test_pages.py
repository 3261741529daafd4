"""The brands page, a brand's page and the links to them, as users meet them."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from brands import services
from brands.models import Brand, Level
from tasks.models import WorkItem

pytestmark = pytest.mark.django_db

BOARD_QUERIES = 10  # session, user, nav, plan, brands (+owner, item), supporters, milestones, related items, …


def test_the_brands_page_shows_the_five_brands_with_levels_milestones_and_related_items(client, roles, milestones):
    client.force_login(roles.other_staff)

    page = client.get(reverse("brands:board")).content.decode()

    for name in ("党工共建", "百里边防工会建设", "工会助力脱贫攻坚", "工人文化宫建设", "劳模（工匠）讲堂"):
        assert name in page
    assert page.count("level-badge target province") == 5  # every brand aims at the provincial level
    assert "制定方案" in page and "选树示范点" in page  # milestones
    assert "做实基层工会组织建设工程" in page  # item 11, related to 党工共建
    assert "2020" in page and "2021" in page  # the timeline's years
    assert 'class="gantt-bar"' in page


def test_the_brands_page_of_a_plan_without_brands_says_so(client, roles, plan_2020):
    Brand.objects.all().delete()
    client.force_login(roles.staff)
    response = client.get(reverse("brands:board"), {"plan": plan_2020.pk})
    assert response.status_code == 200
    assert response.context["board"].rows == []


def test_an_unknown_plan_or_brand_is_404(client, roles):
    client.force_login(roles.staff)
    assert client.get(reverse("brands:board"), {"plan": "999999"}).status_code == 404
    assert client.get(reverse("brands:board"), {"plan": "x"}).status_code == 404
    assert client.get(reverse("brands:brand-detail", args=[999999])).status_code == 404
    assert client.post(reverse("brands:milestone-report", args=[999999]), {}).status_code == 404


def test_the_brand_page_offers_the_report_form_to_the_owner_department_only(client, roles, brand, milestones):
    client.force_login(roles.staff)  # 办公室 owns 工会助力脱贫攻坚
    page = client.get(brand.get_absolute_url())
    assert page.context["form"] is not None
    assert 'id="report"' in page.content.decode()

    client.force_login(roles.other_staff)
    page = client.get(brand.get_absolute_url())
    assert page.status_code == 200 and page.context["form"] is None
    assert 'id="report"' not in page.content.decode()


def test_the_plan_page_links_the_brands_from_section_six_only(client, roles, plan_2020):
    client.force_login(roles.staff)
    page = client.get(reverse("tasks:plan-detail", args=[plan_2020.pk])).content.decode()
    link = reverse("brands:board") + f"?plan={plan_2020.pk}"
    assert page.count(link) == 1
    section_six = page.split('id="section-6"')[1]
    assert link in section_six.split("<ol")[0]


def test_the_navigation_links_the_brands_page(client, roles, plan_2020):
    client.force_login(roles.staff)
    page = client.get(reverse("supervision:my-work")).content.decode()
    assert f'href="{reverse("brands:board")}"' in page


def test_the_brands_page_query_count_does_not_grow_with_milestones(client, roles, brand, plan_2020):
    client.force_login(roles.staff)
    client.get(reverse("brands:board"))  # the user's frame is cached from the first page on
    counts = []
    for extra in (0, 12):
        for n in range(extra):
            services.milestone_create(brand=brand, title=f"m{n}", due_date=datetime.date(2021, 1 + n % 12, 1))
        brand.related_items.add(*WorkItem.objects.filter(section__plan=plan_2020)[:extra])
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("brands:board")).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1] <= BOARD_QUERIES


def test_levels_are_ordered():
    assert Level.rank(Level.NONE) < Level.rank(Level.COUNTY) < Level.rank(Level.CITY) < Level.rank(Level.PROVINCE)
    assert Level.rank(Level.PROVINCE) < Level.rank(Level.NATIONAL)


def test_the_demo_seeds_milestones_and_approved_progress_once(roles, plan_2020):
    from brands.demo import seed_brand_milestones
    from departments.demo import seed_demo_accounts

    seed_demo_accounts()
    seeded = seed_brand_milestones(plan=plan_2020)

    assert len(seeded) == 5
    assert all(brand.milestones.count() == 3 for brand in seeded)
    assert any(m.percent for brand in seeded for m in brand.milestones.all())
    assert seed_brand_milestones(plan=plan_2020) == []  # a second run changes nothing


DETAIL_QUERIES = 16  # session, user, nav, brand + 6 prefetches, permissions (3), departments, milestones…


def test_the_brand_page_query_count_does_not_grow_with_reports(client, roles, brand, milestones):
    from brands.services import milestone_report_submit
    from departments.models import Department

    office = Department.objects.get(name="办公室")
    client.force_login(roles.staff)
    client.get(brand.get_absolute_url())  # warm the process-wide caches (content types)
    counts = []
    for _round in range(2):
        for milestone in (milestones["first"], milestones["second"]):
            brand.item.refresh_from_db()
            milestone_report_submit(milestone=milestone, department=office, reporter=roles.staff, status="in_progress",
                                    percent=10, narrative="进展。", evidence=[], base_version=brand.item.version)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(brand.get_absolute_url()).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1] <= DETAIL_QUERIES
