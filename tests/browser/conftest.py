"""A real Chromium (Debian's) driven by Playwright; never a downloaded browser."""

import os
from pathlib import Path

import pytest
from django.conf import settings

from tests.conftest import require_service
from tests.workers import redis_worker  # noqa: F401  (a real worker for the journeys that need one)

CHROMIUM = os.environ.get("UNIONPLAN_CHROMIUM", "/usr/bin/chromium")
SCREENSHOTS = Path(settings.BASE_DIR) / "var" / "screenshots"
# The sizes the journeys are tried at: a phone (most staff report from one) and a desktop.
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
DESKTOP = {"viewport": {"width": 1366, "height": 900}}


@pytest.fixture(scope="session")
def browser():
    require_service("chromium", Path(CHROMIUM).exists(), f"{CHROMIUM} not found (apt-get install chromium)")
    # Playwright's sync API runs an event loop in this thread; the test's own
    # ORM calls are still synchronous, so Django's async guard is relaxed here.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"],
        )
        yield browser
        browser.close()


@pytest.fixture
def screenshot_dir():
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS


@pytest.fixture
def session(open_as):
    """Log in as a demo user in a fresh context (phone-sized by default: most staff report from a phone).

    Each test module defines `portal` (the live server with its data); open_as's contexts close before
    the live server stops, so no keep-alive outlives it.
    """

    def log_in(username, *, phone=True):
        return open_as(username, size={"viewport": {"width": 412, "height": 915}, "is_mobile": True} if phone else DESKTOP)

    return log_in


@pytest.fixture
def new_page(browser, portal):
    """Pages in fresh contexts (desktop-sized unless told), closed before the live server stops."""
    contexts = []

    def make(**options):
        options.setdefault("viewport", {"width": 1366, "height": 900})
        context = browser.new_context(**options)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def open_as(new_page, portal):
    """Log in as a demo user through the log-in form, in a fresh context of `size`, in `language` if given."""
    from departments.demo import DEMO_PASSWORD

    def log_in(username, *, size=PHONE, password=DEMO_PASSWORD, language=None):
        page = new_page(**size)
        if language:
            page.context.add_cookies([{"name": "django_language", "value": language, "url": portal}])
        page.goto(f"{portal}/accounts/login/")
        page.fill("#id_username", username)
        page.fill("#id_password", password)
        page.click("button[type=submit]")
        page.wait_for_selector("main")
        return page

    return log_in


@pytest.fixture
def published_portal(live_server, settings, tmp_path):
    """The live server with the 2020 plan published and the demo accounts."""
    from departments.demo import seed_demo_accounts
    from tests.conftest import published_document

    settings.MEDIA_ROOT = tmp_path / "media"
    published_document()
    seed_demo_accounts()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return live_server.url


@pytest.fixture
def brands_demo_portal(live_server, settings, tmp_path):
    """The live server with the 2020 plan, the demo accounts and the brands' demo milestones."""
    from brands.demo import seed_brand_milestones
    from departments.demo import seed_demo_accounts
    from tests.conftest import published_document

    settings.MEDIA_ROOT = tmp_path / "media"
    published_document()
    seed_demo_accounts()
    seed_brand_milestones()
    return live_server.url


def wait_for_text(page, url: str, selector: str, text: str, *, timeout: float = 20.0) -> str:
    """Open `url` again until `selector` shows `text` (what a worker computes arrives within seconds)."""
    import time

    deadline = time.monotonic() + timeout
    while True:
        page.goto(url)
        shown = page.inner_text(selector)
        if text in shown or time.monotonic() > deadline:
            assert text in shown, f"{text!r} not shown at {url} after {timeout}s: {shown[:300]!r}"
            return shown
        time.sleep(0.3)
