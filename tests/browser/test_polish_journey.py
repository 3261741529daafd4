"""Issue 17's polish in a real browser at phone size (390×844): no page pushes sideways, the set-up tables
are cards, dates stay whole, the navigation shows 通知, 退回 stands beside 通过 as its equal.

Each test failed before its fix. Screenshots (phone and desktop) go to var/screenshots/.
"""

import pytest
from django.contrib.auth import get_user_model

from departments.models import Department
from progress import services as progress_services
from tasks.models import Responsibility, WorkItem, WorkPlan
from tests.browser.conftest import DESKTOP, PHONE

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def portal(published_portal):
    return published_portal


def _pages(plan: WorkPlan) -> dict[str, list[tuple[str, str]]]:
    item = WorkItem.objects.filter(section__plan=plan, targets__isnull=False).order_by("number").first()
    department = Department.objects.order_by("order", "pk").first()
    section = item.section
    return {
        "admin": [
            ("people", "/manage/people/"), ("department-tree", "/manage/departments/"),
            ("security-events", "/manage/security-events/"), ("deactivate", f"/manage/departments/{department.pk}/deactivate/"),
            ("plan", plan.get_absolute_url()), ("item", item.get_absolute_url()),
            ("setup", f"/manage/plans/{plan.pk}/setup/"), ("plan-checkpoints", f"/manage/plans/{plan.pk}/checkpoints/"),
            ("assessment-rules", f"/manage/plans/{plan.pk}/assessment/"),
            ("dashboard", "/dashboard/"), ("section", f"/dashboard/sections/{section.pk}/"),
            ("department", f"/dashboard/departments/{department.pk}/"),
            ("assessment", "/assessment/"), ("assessment-department", f"/assessment/departments/{department.pk}/"),
            ("notifications", "/notifications/"), ("brands", "/brands/"),
        ],
        "duban": [("supervision", "/supervision/"), ("summaries", "/summaries/")],
        "d01-staff": [("my-work", "/my/"), ("report-form", f"/items/{WorkItem.objects.get(number=1).pk}/report/"),
                      ("my-department", "/dashboard/my-department/"), ("self-assessment", "/assessment/self/")],
    }


WIDER_THAN_THE_PHONE = """() => {
  const wide = [...document.querySelectorAll('body *')].filter(e => {
    if (e.getBoundingClientRect().right <= innerWidth + 1) return false;
    // inside a container that scrolls on purpose (a wide chart or table behind .table-scroll, the navigation)
    for (let p = e.parentElement; p; p = p.parentElement) {
      const o = getComputedStyle(p).overflowX;
      if ((o === 'auto' || o === 'scroll' || o === 'hidden') && p.getBoundingClientRect().right <= innerWidth + 1) return false;
    }
    return true;
  });
  return wide.slice(0, 5).map(e => e.tagName + '.' + e.className + ' → ' + Math.round(e.getBoundingClientRect().right));
}"""

BROKEN_DATES = """() => [...document.querySelectorAll('main time')]
  .filter(t => t.offsetParent !== null && t.getClientRects().length > 1).map(t => t.textContent)"""


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_no_main_page_is_wider_than_a_phone(open_as, portal, screenshot_dir, language):
    plan = WorkPlan.objects.get()
    problems = {}
    for username, pages in _pages(plan).items():
        page = open_as(username, language=language)
        for name, address in pages:
            response = page.goto(f"{portal}{address}")
            page.wait_for_load_state("load")
            assert response.status == 200, (address, response.status)
            width = page.evaluate("document.documentElement.scrollWidth")
            if width > 390:
                problems[address] = (width, page.evaluate(WIDER_THAN_THE_PHONE))
            broken = page.evaluate(BROKEN_DATES)
            if broken:
                problems[f"{address} dates"] = broken
            if language == "zh-hans" and name in ("people", "department-tree", "security-events", "item", "plan"):
                page.screenshot(path=str(screenshot_dir / f"{name}-phone.png"), full_page=False)
    assert not problems, problems


def test_the_people_and_department_tables_are_cards_on_a_phone_and_tables_on_a_desktop(open_as, portal, screenshot_dir):
    for size, shape in ((PHONE, "block"), (DESKTOP, "table-row")):
        page = open_as("admin", size=size)
        for name, address, selector in (("people", "/manage/people/", "table.people-table tbody tr"),
                                        ("department-tree", "/manage/departments/", "table.departments-tree tbody tr")):
            page.goto(f"{portal}{address}")
            assert page.eval_on_selector(selector, "e => getComputedStyle(e).display") == shape
            if shape == "block":
                # each cell says what it is, since the column headings are gone
                labels = page.eval_on_selector_all(f"{selector}:first-child td[data-label]",
                                                   "cells => cells.map(c => getComputedStyle(c, '::before').content)")
                assert labels and all(label.endswith('："') or label.endswith(': "') for label in labels), labels
                assert page.evaluate("document.documentElement.scrollWidth") <= 390
            else:
                page.screenshot(path=str(screenshot_dir / f"{name}-desktop.png"), full_page=False)


def test_english_cards_label_their_cells_with_an_english_colon(open_as, portal):
    page = open_as("admin", language="en")
    page.goto(f"{portal}/manage/people/")

    label = page.eval_on_selector("table.people-table tbody tr td[data-label]",
                                  "c => getComputedStyle(c, '::before').content")

    assert "：" not in label and label.endswith(': "'), label


def test_a_date_stays_on_one_line_in_a_narrow_column(open_as, portal, screenshot_dir):
    page = open_as("admin")
    item = WorkItem.objects.filter(targets__isnull=False).order_by("number").first()
    page.goto(f"{portal}{item.get_absolute_url()}")

    heights = page.eval_on_selector_all("main time", "ts => ts.filter(t => t.offsetParent).map(t => t.getClientRects().length)")

    assert heights and set(heights) == {1}, heights
    assert "2020-12-31" in page.inner_text("main")


def test_the_navigation_shows_notifications_on_a_phone_and_hints_at_the_rest(open_as, portal, screenshot_dir):
    for username in ("admin", "d01-head", "duban"):
        page = open_as(username)
        link = page.locator(".nav a[href='/notifications/']")
        box = link.bounding_box()
        assert box and 0 <= box["x"] and box["x"] + box["width"] <= 390, (username, box)
        scrolls = page.eval_on_selector(".nav", "n => n.scrollWidth > n.clientWidth")
        if scrolls:  # more links than fit: the row fades under the edge, a cue that it scrolls
            mask = page.eval_on_selector(".nav", "n => getComputedStyle(n).maskImage || getComputedStyle(n).webkitMaskImage")
            assert "gradient" in mask, mask
    page.screenshot(path=str(screenshot_dir / "navigation-phone.png"), full_page=False)


def test_return_is_an_equal_clear_button_beside_approve(open_as, portal, screenshot_dir):
    item = WorkItem.objects.get(number=1)
    department = item.responsibilities.get(role=Responsibility.Role.LEAD).department
    progress_services.report_submit(
        item=item, department=department, reporter=get_user_model().objects.get(username="d01-staff"),
        status="in_progress", percent=30, narrative="推进中。", readings={}, evidence=[], base_version=item.version,
    )
    page = open_as("d01-head")
    page.goto(f"{portal}/reviews/")

    approve = page.locator("button[value=approve]").bounding_box()
    back = page.locator("button[value=return]").bounding_box()
    styles = page.eval_on_selector("button[value=return]",
                                   "b => [getComputedStyle(b).borderTopWidth, getComputedStyle(b).color, getComputedStyle(b).textDecorationLine]")

    assert abs(approve["height"] - back["height"]) <= 1, (approve, back)
    assert abs(approve["y"] - back["y"]) <= 1  # side by side
    assert styles[0] != "0px" and styles[2] == "none", styles  # a button with a border, not a link
    page.screenshot(path=str(screenshot_dir / "review-buttons-phone.png"), full_page=False)


def test_error_pages_in_the_layout_on_a_phone(open_as, portal, screenshot_dir, settings):
    settings.DEBUG = False
    page = open_as("d01-staff")

    response = page.goto(f"{portal}/no-such-page/")

    assert response.status == 404
    assert page.is_visible(".topbar") and page.is_visible("main a[href='/']")
    assert "页面不存在" in page.inner_text("main")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path=str(screenshot_dir / "404-phone.png"), full_page=False)
    page.goto(f"{portal}/manage/people/")
    assert "无权操作" in page.inner_text("main")
    page.screenshot(path=str(screenshot_dir / "403-phone.png"), full_page=False)
