"""The security events page in a real browser: a wrong password and a refused page by one person,
then the plan admin finds both, filters to the failures and downloads the Excel."""

import pytest

from departments.demo import DEMO_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def portal(brands_demo_portal):
    return brands_demo_portal


def test_the_admin_reads_the_security_events(session, new_page, portal, screenshot_dir):
    # given a staff member who mistypes their password, then opens a page only admins may
    page = new_page()
    page.goto(f"{portal}/accounts/login/")
    page.fill("#id_username", "d02-staff")
    page.fill("#id_password", "not-" + DEMO_PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_selector("main")
    page.fill("#id_username", "d02-staff")
    page.fill("#id_password", DEMO_PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_selector("main")
    assert page.goto(f"{portal}/manage/people/").status == 403
    # when the plan admin opens 安全审计 from the set-up pages
    admin = session("admin", phone=False)
    admin.goto(f"{portal}/manage/people/")
    admin.click("nav.manage-nav a[href='/manage/security-events/']")
    admin.wait_for_selector("#security-events")
    # then the failure, the log-in and the refusal are there, with who and what was asked
    # (rows carry the event's kind as their class: the page's language does not matter)
    assert "d02-staff" in admin.inner_text("#security-events tr.login_failed")
    assert "/manage/people/" in admin.inner_text("#security-events tr.permission_denied")
    assert admin.locator("#security-events tr.login").count() >= 2
    # and a filter keeps the failures only
    admin.select_option("#kind", "login_failed")
    admin.click("#security-filters button[type=submit]")
    admin.wait_for_selector("#security-events")
    assert admin.locator("#security-events tr.login_failed").count() == 1
    assert admin.locator("#security-events tr.permission_denied").count() == 0
    admin.screenshot(path=str(screenshot_dir / "security-events.png"), full_page=True)
    # and the Excel has the same rows
    with admin.expect_download() as download:
        admin.click("#security-filters a.button")
    assert download.value.suggested_filename.endswith(".xlsx")
