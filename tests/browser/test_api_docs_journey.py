"""An IT officer opens the API docs page on an intranet: Swagger UI loads from the portal itself, under the CSP."""

from urllib.parse import urlparse

import pytest

from tests.conftest import import_document

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def portal(live_server):
    import_document()
    return live_server.url


def test_the_docs_page_lists_the_operations_without_csp_errors_or_outside_requests(browser, portal, screenshot_dir):
    context = browser.new_context(viewport={"width": 1366, "height": 900})
    page = context.new_page()
    errors, outside = [], []
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    page.on("request", lambda request: urlparse(request.url).hostname not in ("localhost", "127.0.0.1")
            and not request.url.startswith("data:") and outside.append(request.url))

    page.goto(f"{portal}/api/v1/docs/")
    page.wait_for_selector(".opblock-summary-path")
    paths = page.locator(".opblock-summary-path").all_inner_texts()

    assert "/api/v1/reports/{id}/review/" in [p.replace("\u200b", "") for p in paths]
    page.screenshot(path=screenshot_dir / "api-docs.png")
    assert not errors, errors  # a CSP violation would show here
    assert not outside, outside
    context.close()
