"""The search box (issue 17): one query over items, departments, reports and 批示, as each user may see them."""

from __future__ import annotations

import pytest
from django.urls import reverse

from departments.models import Department
from progress import permissions as progress_permissions
from progress.models import ProgressReport
from search import selectors
from supervision import services as supervision_services
from tasks.models import WorkItem
from tests.documents import bulk_plan
from tests.factories import submit_report

pytestmark = pytest.mark.django_db

SEARCH = reverse("search:search")


def _search(client, user, q, **params):
    client.force_login(user)
    return client.get(SEARCH, {"q": q, **params})


def _group(response, kind):
    return next((group for group in response.context["results"].groups if group.kind == kind), None)


@pytest.fixture
def office(plan_2020):
    return Department.objects.get(name="办公室")


@pytest.fixture
def secret(roles, item1, office):
    """A 部门内 narrative of 办公室 and a 计划内 one, both on item 1."""
    within = submit_report(item=item1, department=office, reporter=roles.staff, narrative="内部核对青松账目。")
    shared = submit_report(item=item1, department=office, reporter=roles.staff, narrative="公开通报青松进展。",
                           narrative_visibility="plan")
    return within, shared


def test_results_come_grouped_by_kind_with_counts_and_links(client, roles, item1, office):
    # given the word 办公室 in an item's text, a department's name, a narrative and a 批示
    WorkItem.objects.filter(pk=item1.pk).update(body=item1.body + "由办公室统筹。")
    report = submit_report(item=item1, department=office, reporter=roles.staff, narrative="办公室已完成。",
                           narrative_visibility="plan")
    instruction = supervision_services.instruction_create(item=item1, author=roles.leader, text="请办公室牵头推进。")

    # when the leader searches for it
    response = _search(client, roles.leader, "办公室")

    # then each kind comes as its own group with its count, each hit a link to its page
    assert response.status_code == 200
    counts = {group.kind: group.count for group in response.context["results"].groups}
    assert counts["items"] >= 1 and counts["departments"] >= 1 and counts["reports"] == 1
    assert counts["instructions"] == 1
    page = response.content.decode()
    assert f'href="{reverse("tasks:item-detail", args=[item1.pk])}#report-{report.pk}"' in page
    assert f'href="{reverse("tasks:item-detail", args=[item1.pk])}#instruction-{instruction.pk}"' in page
    assert f'href="{reverse("dashboard:department-dashboard", args=[office.pk])}"' in page
    assert 'id="results-items"' in page and 'id="results-reports"' in page
    assert "<mark>办公室</mark>" in page


def test_every_word_must_match(client, roles, plan_2020):
    # given item 8 (会员卡, 普惠服务) and item 1 (理论武装)
    response = _search(client, roles.staff, "会员卡 普惠")
    numbers = [hit.title for hit in _group(response, "items").hits]
    # then only the items with both words are found
    assert numbers and all("普惠" in title or "会员卡" in title for title in numbers)
    assert _group(_search(client, roles.staff, "会员卡 理论武装"), "items").count == 0


def test_highlighting_escapes_what_users_wrote(client, roles, item1, office):
    # given a <script> planted in an item's title and in a narrative
    WorkItem.objects.filter(pk=item1.pk).update(title="<script>alert(1)</script>青松行动")
    submit_report(item=item1, department=office, reporter=roles.staff, narrative="<script>alert(2)</script>青松报告",
                  narrative_visibility="plan")

    # when someone searches for the word beside it
    page = _search(client, roles.staff, "青松").content.decode()

    # then the markup shows as text, and only the match is marked
    assert "<script>alert" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;<mark>青松</mark>行动" in page
    assert "&lt;script&gt;alert(2)&lt;/script&gt;<mark>青松</mark>报告" in page


def test_a_query_of_markup_is_escaped_too(client, roles, item1):
    WorkItem.objects.filter(pk=item1.pk).update(title="对比<b>加粗</b>标题")
    page = _search(client, roles.staff, "<b>").content.decode()
    assert "<mark>&lt;b&gt;</mark>" in page and "<b>加粗" not in page


def test_a_department_narrative_is_found_only_by_those_who_may_read_it(client, roles, secret, django_user_model):
    within, shared = secret
    # a member of another department (职工互助办) finds the 计划内 narrative only
    response = _search(client, roles.other_staff, "青松")
    page = response.content.decode()
    assert _group(response, "reports").count == 1
    assert "公开通报" in page and "内部核对" not in page
    # the supervision office, leadership and the reporting department find both
    for user in (roles.supervisor, roles.leader, roles.head, roles.staff, roles.plan_admin):
        response = _search(client, user, "青松")
        assert _group(response, "reports").count == 2, user
        assert "内部核对" in response.content.decode()


def test_a_department_narrative_is_not_found_by_its_words_alone(client, roles, secret):
    # searching for a word only in the 部门内 narrative finds nothing, and says so
    response = _search(client, roles.other_staff, "内部核对")
    assert _group(response, "reports").count == 0
    assert "内部核对青松账目" not in response.content.decode()


@pytest.mark.parametrize("role", ["staff", "head", "other_staff", "leader", "plan_admin", "supervisor"])
def test_the_search_filter_says_what_may_read_says(roles, secret, role):
    # the database form of the rule lets through exactly the reports may_read lets through
    user = getattr(roles, role)
    through = set(ProgressReport.objects.filter(progress_permissions.readable_narratives(user))
                  .values_list("pk", flat=True))
    for report in ProgressReport.objects.all():
        assert (report.pk in through) == progress_permissions.can_read_narrative(user, report), (role, report)


def test_departments_are_those_whose_page_the_user_may_open(client, roles, plan_2020):
    # staff of 办公室 do not find 职工互助办's page; the leader does
    assert _group(_search(client, roles.staff, "职工互助办"), "departments").count == 0
    assert _group(_search(client, roles.staff, "办公室"), "departments").count == 1
    assert _group(_search(client, roles.leader, "职工互助办"), "departments").count == 1


def test_an_items_number_opens_the_item(client, roles, plan_2020):
    item = WorkItem.objects.get(section__plan=plan_2020, number=8)
    for q in ["8", "第8项", "第八项", "8.", "8、", " 第 8 项 ", "八项", "８"]:
        response = _search(client, roles.staff, q)
        assert response.status_code == 302, q
        assert response["Location"] == reverse("tasks:item-detail", args=[item.pk])


def test_a_number_no_item_has_is_searched_as_text(client, roles, plan_2020):
    response = _search(client, roles.staff, "第9999项")
    assert response.status_code == 200
    assert response.context["results"].total == 0
    assert "search-none" in response.content.decode()


def test_an_empty_query_shows_the_box_and_runs_no_search(client, roles, plan_2020, django_assert_max_num_queries):
    client.force_login(roles.staff)
    with django_assert_max_num_queries(6):
        response = client.get(SEARCH)
    assert response.status_code == 200 and response.context["results"].groups == []
    assert 'id="search-q"' in response.content.decode()


def test_a_very_long_query_is_refused_with_a_message(client, roles, plan_2020):
    response = _search(client, roles.staff, "会" * (selectors.MAX_QUERY_LENGTH + 1))
    assert response.status_code == 200
    page = response.content.decode()
    assert 'id="search-error"' in page and 'aria-invalid="true"' in page
    assert response.context["results"].groups == []


ODD = ["\x00", "a\x00b", "%", "_", "%_%", "'", "\"", "\\", "'; DROP TABLE x;--", "😀", "第项", "第", "项", "一",
       "99999999999999999999", "第九千九百九十九万项", "   ", "\u200b", "<>&", "[a-z]*", "(?i)", "ＡＢＣ", "\t\n",
       "工会 " * 30]


def test_odd_characters_never_fail(client, roles, plan_2020):
    for q in ODD:
        response = _search(client, roles.staff, q)
        assert response.status_code in (200, 302), repr(q)
    for params in [{"kind": "nothing"}, {"kind": "items", "page": "x"}, {"kind": "items", "page": "99999999999999999999"},
                   {"page": "-1"}, {"kind": ["items", "reports"]}]:
        assert _search(client, roles.staff, "工会", **params).status_code == 200, params
    for raw in ["q=%ED%A0%80", "q=%FF%FE", "q=%00", "q=%E4%BC"]:  # bytes that are not UTF-8
        assert client.get(f"{SEARCH}?{raw}").status_code == 200, raw
    # a % or _ is a character to find, not a wildcard
    assert _search(client, roles.staff, "工会%职工").context["results"].total == 0
    assert _search(client, roles.staff, "工会_职工").context["results"].total == 0


def test_terms_match_case_insensitively_and_full_width_as_ascii(client, roles, item1):
    WorkItem.objects.filter(pk=item1.pk).update(title="推广APP应用")
    assert _group(_search(client, roles.staff, "app"), "items").count == 1
    assert _group(_search(client, roles.staff, "ＡＰＰ"), "items").count == 1


def test_each_kind_shows_twenty_with_a_link_to_all_then_pages(client, roles, plan_2020):
    # given 30 items with the same word
    plan = bulk_plan(items=30, departments=6, year=2031)
    WorkItem.objects.filter(section__plan=plan).update(title="青松专项")
    response = _search(client, roles.leader, "青松专项")
    items = _group(response, "items")
    assert items.count == 30 and len(items.hits) == selectors.PER_GROUP
    page = response.content.decode()
    assert "kind=items" in page
    # the kind's own page shows the rest, a page at a time
    second = _search(client, roles.leader, "青松专项", kind="items", page="2")
    group = _group(second, "items")
    assert len(second.context["results"].groups) == 1 and len(group.hits) == 10
    assert 'rel="prev"' in second.content.decode()


def test_the_query_count_does_not_grow_with_the_data(client, roles, plan_2020, django_assert_max_num_queries):
    client.force_login(roles.staff)
    client.get(SEARCH, {"q": "工作"})  # warm the session
    with django_assert_max_num_queries(14) as small:
        assert client.get(SEARCH, {"q": "工作"}).status_code == 200
    # given a plan ten times the size, with reports
    bulk_plan(items=400, departments=20, reports=800, year=2031)
    with django_assert_max_num_queries(14) as large:
        response = client.get(SEARCH, {"q": "工作"})
    assert response.status_code == 200 and _group(response, "items").count > 400
    assert len(large.captured_queries) == len(small.captured_queries)


def test_the_top_bar_has_the_search_box_on_every_page(client, roles, plan_2020):
    client.force_login(roles.staff)
    page = client.get(reverse("notifications:list")).content.decode()
    assert 'id="topbar-q"' in page and f'action="{SEARCH}"' in page


def test_anonymous_visitors_are_sent_to_log_in(client):
    assert client.get(SEARCH, {"q": "工会"}).status_code == 302


def test_snippets_cut_around_the_first_match():
    text = "甲" * 200 + "会员卡" + "乙" * 200
    part = selectors.snippet(text, ["会员卡"])
    assert "会员卡" in part and part.startswith("…") and part.endswith("…")
    assert len(part) <= selectors.SNIPPET_CHARS + 2


@pytest.mark.parametrize("text, number", [("8", 8), ("第8项", 8), ("第八项", 8), ("8.", 8), ("第十二项", 12),
                                          ("第12", 12), ("十二项", 12), ("工会", None), ("8项工作", None),
                                          ("一", None), ("0", None), ("2020年", None)])
def test_item_numbers_are_read_as_people_write_them(text, number):
    assert selectors.item_number(text) == number


def test_counts_stop_at_the_cap_and_say_so(client, roles, plan_2020, monkeypatch):
    # given more matches than are counted
    monkeypatch.setattr(selectors, "COUNT_CAP", 5)
    plan = bulk_plan(items=12, departments=6, year=2031)
    WorkItem.objects.filter(section__plan=plan).update(title="青松专项")
    response = _search(client, roles.leader, "青松专项")
    # then the count says "5+" and the first page still shows what it can
    group = _group(response, "items")
    assert group.shown_count == "5+" and len(group.hits) == 6
    assert '<span class="count">5+</span>' in response.content.decode()


def test_short_and_long_terms_of_either_case_find_the_same_rows(client, roles, item1):
    # two letters (no trigram: compared by position) and three (the trigram path), upper or lower case
    WorkItem.objects.filter(pk=item1.pk).update(title="推广Ab应用与XyZ平台")
    for q in ("ab", "AB", "Ab", "xyz", "XYZ", "yZ平", "Ab应用 xyz"):
        assert _group(_search(client, roles.staff, q), "items").count == 1, q
