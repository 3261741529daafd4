"""A plan admin fills the last placeholder in the browser and publishes the plan."""

import pytest

from departments.demo import DEMO_PASSWORD, seed_demo_accounts
from tasks import services
from tasks.models import Target, WorkPlan
from tests.conftest import import_document

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_fill_a_placeholder_then_publish(browser, live_server, screenshot_dir):
    plan = import_document().plan
    seed_demo_accounts()
    placeholders = list(Target.objects.filter(item__section__plan=plan, target_value__isnull=True).order_by("pk"))
    last = placeholders.pop()
    for target in placeholders:
        services.target_fill(target=target, value=5)
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    try:
        page.goto(f"{live_server.url}/accounts/login/")
        page.fill("#id_username", "admin")
        page.fill("#id_password", DEMO_PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_selector("main")

        page.goto(f"{live_server.url}/manage/plans/{plan.pk}/setup/")
        assert "尚有 1 项未完成设置" in page.inner_text("main")
        page.screenshot(path=str(screenshot_dir / "7-setup-before.png"), full_page=True)
        page.click("#publish")
        page.wait_for_selector(".messages")
        assert "未发布" in page.inner_text(".messages")

        page.fill(f"#target-{last.pk} input[name$=value]", "8")
        page.click(f"#target-{last.pk} button[type=submit]")
        page.wait_for_selector(".messages")
        assert "必填设置已全部完成" in page.inner_text("main")
        page.click("#publish")
        page.wait_for_selector("h1")
        assert "已发布" in page.inner_text(".messages")
        page.screenshot(path=str(screenshot_dir / "8-published.png"))
    finally:
        context.close()
    plan.refresh_from_db()
    assert plan.status == WorkPlan.Status.PUBLISHED
    last.refresh_from_db()
    assert last.target_value == 8
