"""The search box in a real browser: typed into the top bar on a phone and on a desktop."""

import pytest

from departments.models import Department
from tasks.models import WorkItem
from tests.browser.conftest import DESKTOP, PHONE

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def portal(published_portal):
    return published_portal


def _staff_username(department: Department) -> str:
    position = list(Department.objects.filter(is_active=True).order_by("order", "pk")).index(department) + 1
    return f"d{position:02d}-staff"


def test_on_a_phone_the_top_bar_box_finds_items_by_a_word(open_as, screenshot_dir):
    # given a member of the office on a phone
    page = open_as(_staff_username(Department.objects.get(name="办公室")), size=PHONE)

    # the box sits in the top bar, inside the screen, the page not wider than the phone
    box = page.locator("#topbar-q")
    assert box.is_visible()
    bounds = box.bounding_box()
    assert bounds["x"] >= 0 and bounds["x"] + bounds["width"] <= 390 and bounds["width"] >= 100
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

    # when they type a word and press the keyboard's search key
    box.fill("会员")
    box.press("Enter")
    page.wait_for_selector("#results-items")

    # then the items come grouped with their count, the word marked, each a link
    items = page.locator("#results-items")
    assert "实施以工会会员卡为载体的普惠服务行动" in items.inner_text()
    assert items.locator("mark").first.inner_text() == "会员"
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path=str(screenshot_dir / "search-phone.png"), full_page=True)

    # and a hit opens its item
    items.locator("a", has_text="普惠服务行动").first.click()
    page.wait_for_selector("main h1")
    item = WorkItem.objects.get(number=8)
    assert page.url.endswith(f"/items/{item.pk}/")


def test_on_a_desktop_a_number_opens_the_item_and_words_show_every_kind(open_as, screenshot_dir):
    page = open_as("leader", size=DESKTOP)
    item = WorkItem.objects.get(number=8)

    # typing an item's number into the top bar opens that item
    page.fill("#topbar-q", "第八项")
    page.press("#topbar-q", "Enter")
    page.wait_for_url(f"**/items/{item.pk}/")

    # words show every kind with its count, departments among them
    page.fill("#topbar-q", "职工")
    page.press("#topbar-q", "Enter")
    page.wait_for_selector(".search-kinds")
    kinds = page.locator(".search-kinds").inner_text()
    assert "工作事项" in kinds or "Work items" in kinds
    assert page.locator("#results-departments mark").count() >= 1
    page.screenshot(path=str(screenshot_dir / "search-desktop.png"), full_page=False)

    # a query too long is refused with a message beside the box (the box holds at most 100 characters)
    page.goto(page.url.split("?")[0] + "?q=" + "会" * 120)
    assert page.locator("#search-error").is_visible()
