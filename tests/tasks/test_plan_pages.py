"""The plan page and item page as users see them."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tasks.models import WorkItem
from tasks.services import plan_import_document
from tests.documents import synthetic_plan_text

pytestmark = pytest.mark.django_db

# Session, user, groups (navigation), plan, sections, items, responsibilities (+departments), targets, brands link,
# the official figures.
PLAN_PAGE_QUERIES = 10


def test_plan_page_shows_the_eighteen_items_with_departments_and_targets(client, roles, plan_2020):
    client.force_login(roles.staff)

    response = client.get(reverse("tasks:plan-detail", args=[plan_2020.pk]))

    assert response.status_code == 200
    page = response.content.decode()
    for item in WorkItem.objects.filter(section__plan=plan_2020):
        assert item.title in page
    assert "突出思想政治引领，引导广大职工听党话跟党走" in page
    assert "女职工委员会办公室" in page
    assert "待定" in page  # the document's "X" placeholders
    assert "牵头" in page


def test_home_opens_the_current_plan(client, roles, plan_2020):
    client.force_login(roles.staff)
    response = client.get(reverse("tasks:plan-current"))
    assert response.status_code == 302
    assert response.url == plan_2020.get_absolute_url()


def test_home_without_any_plan_says_so(client, django_user_model):
    client.force_login(django_user_model.objects.create_user("lonely"))
    response = client.get(reverse("tasks:plan-current"))
    assert response.status_code == 200
    assert "尚无工作计划" in response.content.decode()


def test_anonymous_visitor_is_sent_to_login(client, plan_2020):
    response = client.get(reverse("tasks:plan-detail", args=[plan_2020.pk]))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_item_page_shows_full_text_departments_and_placeholders(client, roles, plan_2020):
    client.force_login(roles.staff)
    item = WorkItem.objects.get(section__plan=plan_2020, number=5)

    page = client.get(item.get_absolute_url()).content.decode()

    assert "复检2019年命名的劳模创新工作室" in page
    assert "劳动和经济工作部" in page
    assert "待定" in page


def test_unknown_plan_and_item_are_404_not_500(client, roles):
    client.force_login(roles.staff)
    assert client.get(reverse("tasks:plan-detail", args=[999999])).status_code == 404
    assert client.get(reverse("tasks:item-detail", args=[999999])).status_code == 404


def test_plan_page_query_count_is_pinned(client, roles, plan_2020, django_assert_max_num_queries):
    client.force_login(roles.staff)
    with django_assert_max_num_queries(PLAN_PAGE_QUERIES):
        client.get(reverse("tasks:plan-detail", args=[plan_2020.pk]))


def test_plan_page_query_count_does_not_grow_with_items(client, roles, plan_2020):
    big = plan_import_document(data=synthetic_plan_text(items=180).encode(), filename="big.txt").plan
    assert WorkItem.objects.filter(section__plan=big).count() == 180
    client.force_login(roles.staff)
    client.get(reverse("tasks:plan-detail", args=[plan_2020.pk]))  # the user's frame is cached from the first page on

    counts = []
    for plan in (plan_2020, big):
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("tasks:plan-detail", args=[plan.pk])).status_code == 200
        counts.append(len(queries))

    assert counts[0] == counts[1] <= PLAN_PAGE_QUERIES


def test_a_long_plan_is_shown_a_page_at_a_time_with_every_section_in_the_contents(client, roles, plan_2020,
                                                                                    monkeypatch):
    # given pages of five items
    from tasks import selectors

    monkeypatch.setattr(selectors, "PLAN_PAGE_ITEMS", 5)
    items = list(WorkItem.objects.filter(section__plan=plan_2020).order_by("section__number", "number"))
    client.force_login(roles.staff)
    url = reverse("tasks:plan-detail", args=[plan_2020.pk])

    # when the third page is asked for
    page = client.get(url + "?page=3").content.decode()

    # then it holds items 11 to 15 of the plan's order, and names every section with its count
    for n, item in enumerate(items):
        assert (f'id="item-{item.number}"' in page) == (10 <= n < 15), item.number
    for section in plan_2020.sections.all():
        assert f'#section-{section.number}"' in page
    assert "?page=2" in page and "?page=4" in page
    # and a page past the end shows the last page, not an error
    assert client.get(url + "?page=999").status_code == 200


def test_plan_page_pages_have_the_same_queries_as_the_one_page_plan(client, roles, plan_2020, monkeypatch):
    from tasks import selectors

    client.force_login(roles.staff)
    url = reverse("tasks:plan-detail", args=[plan_2020.pk])
    client.get(url)
    with CaptureQueriesContext(connection) as whole:
        client.get(url)
    monkeypatch.setattr(selectors, "PLAN_PAGE_ITEMS", 4)
    with CaptureQueriesContext(connection) as paged:
        client.get(url + "?page=2")
    assert len(paged) == len(whole)
