"""Issue 17's screenshot set: each role's landing page on a phone and a desktop, and a section page
on a phone, looked at after each change (var/screenshots/, not committed).

Each test also checks what a user would see there: where the role lands, and that the page fits the
phone's width (no sideways scrolling).
"""

import pytest
from django.contrib.auth import get_user_model

from progress import services as progress_services
from tasks.models import Responsibility, Section, WorkItem
from tests.browser.conftest import DESKTOP, PHONE, SCREENSHOTS as SHOTS
from tests.browser.test_phone_journey import _staff_of

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def portal(published_portal):
    return published_portal


def _fits(page, width: int) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= width


@pytest.mark.parametrize("username, lands", [
    ("d01-staff", "/my/"), ("d02-head", "/my/"), ("leader", "/dashboard/"), ("duban", "/dashboard/"),
    ("admin", "/manage/"),
])
@pytest.mark.parametrize("size_name", ["phone", "desktop"])
def test_each_roles_landing_page(open_as, portal, username, lands, size_name):
    size = PHONE if size_name == "phone" else DESKTOP
    page = open_as(username, size=size)
    assert lands in page.url, page.url
    assert _fits(page, size["viewport"]["width"])
    page.screenshot(path=str(SHOTS / f"landing-{username}-{size_name}.png"), full_page=True)


def test_a_head_with_reports_waiting_lands_on_the_review_queue(open_as, portal):
    item = WorkItem.objects.filter(responsibilities__role=Responsibility.Role.LEAD).order_by("number").first()
    department = item.responsibilities.get(role=Responsibility.Role.LEAD).department
    progress_services.report_submit(
        item=item, department=department, reporter=get_user_model().objects.get(username=_staff_of(department)),
        status="in_progress", percent=30, narrative="已召开部署会。", readings={}, evidence=[],
        base_version=item.version,
    )
    page = open_as(_staff_of(department, "head"))
    assert "/reviews/" in page.url, page.url
    assert "已召开部署会。" in page.inner_text("main")
    page.screenshot(path=str(SHOTS / "landing-head-waiting-phone.png"), full_page=True)


def test_a_section_page_reads_on_a_phone(open_as, portal):
    section = Section.objects.order_by("number").first()
    page = open_as("leader")
    page.goto(f"{portal}/dashboard/sections/{section.pk}/")
    assert section.title in page.inner_text("main")
    assert _fits(page, PHONE["viewport"]["width"])
    # Titles read as lines, not two or three characters a line: each item is a card as wide as the screen.
    widths = page.eval_on_selector_all(
        "main a[href*='/items/']", "links => links.map(a => a.closest('tr, li, article').offsetWidth)")
    assert widths and min(widths) > 300, widths
    page.screenshot(path=str(SHOTS / "section-phone.png"), full_page=True)
