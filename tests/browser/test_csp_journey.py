"""Under the Content-Security-Policy, in a real browser: the portal's pages and the admin report no
violation, bars and the Gantt chart are drawn even without JavaScript, and a locked-out user
sees the lock-out page."""

import pytest
from django_celery_beat.models import CrontabSchedule

from brands.models import Brand
from departments.demo import DEMO_PASSWORD
from tasks.models import WorkItem

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def portal(brands_demo_portal):
    return brands_demo_portal


def watch(page):
    """Collects CSP violations and script errors as Chromium reports them on the console."""
    problems = []
    page.on("console", lambda message: "Content Security Policy" in message.text and problems.append(message.text))
    page.on("pageerror", lambda error: problems.append(str(error)))
    return problems


def visit(page, url):
    response = page.goto(url)
    page.evaluate("() => new Promise(requestAnimationFrame)")  # deferred scripts have run and drawn
    return response


def log_in(page, portal, username, password=DEMO_PASSWORD):
    page.goto(f"{portal}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    with page.expect_navigation() as navigation:
        page.click("main button[type=submit]")  # without JavaScript the language switch shows a button too
    return navigation.value


def test_portal_pages_report_no_violation(session, portal):
    page = session("admin", phone=False)
    problems = watch(page)
    item = WorkItem.objects.order_by("number").first()
    brand = Brand.objects.order_by("order").first()

    for path in ("/", item.get_absolute_url(), "/my/", "/reviews/", "/brands/", brand.get_absolute_url(),
                 "/manage/plans/", "/manage/departments/", "/manage/people/", "/notifications/"):
        response = visit(page, f"{portal}{path}")
        assert response.status == 200, path
        assert not problems, (path, problems)


def test_admin_pages_report_no_violation_and_their_scripts_work(session, portal, screenshot_dir):
    page = session("admin", phone=False)
    problems = watch(page)
    item = WorkItem.objects.order_by("number").first()

    for path in ("/admin/", "/admin/tasks/workitem/", f"/admin/tasks/workitem/{item.pk}/change/",
                 f"/admin/tasks/workitem/{item.pk}/history/", "/admin/auth/user/", "/admin/auth/group/1/change/",
                 "/admin/axes/accessattempt/", "/admin/axes/accesslog/", "/admin/django_celery_beat/periodictask/"):
        response = visit(page, f"{portal}{path}")
        assert response.status == 200, path
        assert not problems, (path, problems)

    # the periodic task form: django-celery-beat's inline script, now a static file, still works
    crontab = CrontabSchedule.objects.create(minute="30", hour="8")
    visit(page, f"{portal}/admin/django_celery_beat/periodictask/add/")
    page.select_option("#id_crontab", str(crontab.pk))
    assert page.locator(".field-crontab .help br").count() == 1  # the schedule in words, under the help
    assert not page.is_visible(".field-crontab_translation")
    page.screenshot(path=str(screenshot_dir / "csp-admin-periodic-task.png"), full_page=True)
    assert not problems, problems


def test_bars_and_the_gantt_chart_are_drawn_without_javascript(new_page, portal):
    page = new_page(java_script_enabled=False)
    log_in(page, portal, "leader")
    page.goto(f"{portal}/brands/")

    track, bar = page.locator(".gantt-row .gantt-track").nth(1), page.locator(".gantt-row .gantt-bar").first
    done = page.locator(".gantt-row .gantt-done").first
    card_bar = page.locator(".brand-card .bar").first
    card_fill = page.locator(".brand-card .bar span").first
    percent = int(card_fill.get_attribute("data-width-pct"))

    assert 0 < bar.bounding_box()["width"] <= track.bounding_box()["width"]
    assert bar.bounding_box()["x"] >= track.bounding_box()["x"]
    assert done.bounding_box()["width"] <= bar.bounding_box()["width"]
    assert percent > 0  # the demo's first brand has an approved report
    assert card_fill.bounding_box()["width"] == pytest.approx(card_bar.bounding_box()["width"] * percent / 100, abs=1)


def test_a_locked_out_user_sees_the_lockout_page(new_page, portal, screenshot_dir):
    page = new_page()
    problems = watch(page)
    for _ in range(5):
        log_in(page, portal, "d01-staff", "wrong password")

    response = log_in(page, portal, "d01-staff")

    assert response.status == 429
    assert page.locator(".locked-out h1").is_visible()
    assert "/accounts/login/" in page.url  # not logged in
    page.screenshot(path=str(screenshot_dir / "lockout.png"), full_page=True)
    assert not problems, problems
