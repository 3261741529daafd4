"""A staff member logs in on a phone and on a desktop and reads the 2020 plan."""

import pytest

from departments.demo import DEMO_PASSWORD, seed_demo_accounts
from tests.conftest import import_document

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def portal(live_server):
    import_document()
    seed_demo_accounts()
    return live_server.url


def _log_in(page, portal, username):
    page.goto(f"{portal}/")
    assert "/accounts/login/" in page.url
    page.fill("#id_username", username)
    page.fill("#id_password", DEMO_PASSWORD)
    page.click("button[type=submit]")


def test_staff_logs_in_and_reads_the_plan_on_a_desktop(new_page, portal, screenshot_dir):
    page = new_page(viewport={"width": 1280, "height": 900})

    _log_in(page, portal, "d01-staff")

    page.wait_for_selector("h1")
    assert page.inner_text("h1") == "市总工会2020年工作要点"
    assert page.locator(".section").count() == 6
    assert page.locator("li.item").count() == 18
    assert "待定" in page.inner_text("#item-5")
    page.screenshot(path=str(screenshot_dir / "plan-desktop.png"), full_page=False)

    page.click("#item-8 h3 a")
    page.wait_for_selector("article")
    assert "会员卡" in page.inner_text("article")
    assert "女职工委员会办公室" in page.inner_text("article")


def test_plan_page_fits_a_phone_screen(new_page, portal, screenshot_dir):
    page = new_page(viewport={"width": 390, "height": 844}, is_mobile=True)

    _log_in(page, portal, "d02-head")

    page.wait_for_selector("li.item")
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0
    page.screenshot(path=str(screenshot_dir / "plan-phone.png"))


def test_wrong_password_shows_a_chinese_message(new_page, portal):
    # The browser asks for English; the portal still speaks Chinese until the user switches.
    page = new_page(locale="en-US")
    page.goto(f"{portal}/accounts/login/")
    page.fill("#id_username", "d01-staff")
    page.fill("#id_password", "not-the-password")
    page.click("button[type=submit]")
    assert "请输入一个正确的" in page.inner_text(".errors")


def test_switching_to_english(new_page, portal):
    page = new_page()
    _log_in(page, portal, "leader")
    page.wait_for_selector("li.item")
    assert "退出" in page.inner_text("header")

    with page.expect_navigation():
        page.select_option("#language", "en")

    assert "Log out" in page.inner_text("header")
    assert "lead" in page.inner_text("#item-1")
