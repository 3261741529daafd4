"""The Content-Security-Policy header, and pages that honour it: no inline script, no style="".

The same header in every mode (development, tests, production), so these tests and the browser
tests see what users get. The browser tests check that Chromium reports no violation.
"""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from brands.demo import seed_brand_milestones
from brands.models import Brand
from tasks.models import WorkItem

pytestmark = pytest.mark.django_db

EXPECTED = {
    "default-src": {"'self'"},
    "script-src": {"'self'"},
    "style-src": {"'self'"},
    "img-src": {"'self'", "data:"},
    "object-src": {"'none'"},
    "base-uri": {"'self'"},
    "form-action": {"'self'"},
    "frame-ancestors": {"'none'"},
}


def policy(response) -> dict[str, set[str]]:
    directives = (part.split() for part in response["Content-Security-Policy"].split(";") if part.strip())
    return {name: set(values) for name, *values in directives}


def test_the_log_in_page_carries_the_policy(client):
    response = client.get(reverse("login"))
    assert policy(response) == EXPECTED


def test_nothing_inline_is_allowed(client):
    sources = " ".join(" ".join(values) for values in policy(client.get(reverse("login"))).values())
    assert "'unsafe-inline'" not in sources and "'unsafe-eval'" not in sources and "nonce-" not in sources


def test_pages_and_the_admin_carry_the_policy(client, roles):
    client.force_login(roles.plan_admin)
    item = WorkItem.objects.order_by("number").first()
    for url in (reverse("dashboard:dashboard"), item.get_absolute_url(), reverse("admin:index"),
                reverse("admin:tasks_workitem_change", args=[item.pk])):
        response = client.get(url)
        assert response.status_code == 200, url
        assert policy(response) == EXPECTED, url


@pytest.mark.parametrize("page", ["plan", "item", "my-work", "dashboard", "brands", "brand", "departments"])
def test_pages_with_bars_and_charts_have_no_inline_style_or_script(client, roles, page):
    seed_brand_milestones()
    client.force_login(roles.plan_admin)
    url = {
        "plan": lambda: reverse("tasks:plan-current"),
        "item": lambda: WorkItem.objects.order_by("number").first().get_absolute_url(),
        "my-work": lambda: reverse("supervision:my-work"),
        "dashboard": lambda: reverse("dashboard:dashboard"),
        "brands": lambda: reverse("brands:board"),
        "brand": lambda: Brand.objects.first().get_absolute_url(),
        "departments": lambda: reverse("departments:tree"),
    }[page]()

    response = client.get(url, follow=True)

    assert response.status_code == 200
    html = response.content.decode()
    assert " style=" not in html
    assert not _inline_scripts(html)


def test_progress_bars_and_the_gantt_chart_are_sized_by_data_attributes(client, roles):
    seed_brand_milestones()
    client.force_login(roles.leader)

    board = client.get(reverse("brands:board")).content.decode()

    assert re.search(r'class="gantt-bar" data-left-pct="\d{1,3}" data-width-pct="\d{1,3}"', board)
    assert re.search(r'<span data-width-pct="\d{1,3}"></span>', board)  # a brand's progress bar
    widths = {int(w) for w in re.findall(r'data-(?:width|left)-pct="(\d+)"', board)}
    assert widths and max(widths) <= 100


def test_the_stylesheet_maps_every_whole_percent():
    css = (Path(settings.BASE_DIR) / "static" / "css" / "unionplan.css").read_text()
    for n in (0, 37, 100):
        assert f'[data-width-pct="{n}"] {{ width: {n}%; }}' in css
        assert f'[data-left-pct="{n}"] {{ left: {n}%; }}' in css


def test_no_template_of_ours_has_an_inline_style_or_script():
    # Django's admin and our overrides of third-party admin templates included.
    offenders = []
    for template in (Path(settings.BASE_DIR) / "templates").rglob("*.html"):
        if template.relative_to(Path(settings.BASE_DIR) / "templates").parts[0] in ("api", "rest_framework"):
            continue  # the REST API's pages, checked with the API
        text = template.read_text()
        if re.search(r"\sstyle=", text) or _inline_scripts(text):
            offenders.append(str(template))
    assert not offenders


def _inline_scripts(html: str) -> list[str]:
    """<script> elements with code in the page (not src=, not a JSON data island)."""
    return [
        tag for tag, body in re.findall(r"(<script\b[^>]*>)(.*?)</script>", html, flags=re.S)
        if "src=" not in tag and "application/json" not in tag and body.strip()
    ]


@pytest.mark.parametrize("case", ["plain", "its own policy", "a nonce drawn", "other settings"])
def test_the_header_built_once_is_the_header_django_csp_builds(rf, settings, case):
    # unionplan.middleware.ContentSecurityPolicyMiddleware keeps the header it built for a plain response:
    # every response gets what django-csp itself gives it, whatever it carries and whatever the settings say.
    from csp.constants import NONCE
    from csp.exceptions import CSPNonceError
    from csp.middleware import CSPMiddleware
    from django.http import HttpResponse

    from unionplan.middleware import ContentSecurityPolicyMiddleware

    def view(request):
        if case == "a nonce drawn":  # as a template's {{ request.csp_nonce }}
            str(request.csp_nonce)
        response = HttpResponse("ok")
        if case == "its own policy":  # as @csp_update(...) leaves it
            response._csp_update = {"img-src": ["https://maps.example"]}
        return response

    settings.DEBUG = False
    if case == "a nonce drawn":  # a policy that takes one (the portal's takes none)
        settings.CONTENT_SECURITY_POLICY = {"DIRECTIVES": {"script-src": ["'self'", NONCE]}}
    middleware = ContentSecurityPolicyMiddleware(view)
    middleware.process_response(rf.get("/"), HttpResponse("warm"))  # a header is kept now
    if case == "other settings":
        settings.CONTENT_SECURITY_POLICY = {"DIRECTIVES": {"default-src": ["'self'", "https://intranet.example"]}}
        settings.CONTENT_SECURITY_POLICY_REPORT_ONLY = {"DIRECTIVES": {"img-src": ["'self'"]}}
    ours, theirs = rf.get("/"), rf.get("/")
    ours_response, theirs_response = middleware(ours), CSPMiddleware(view)(theirs)

    for header in ("Content-Security-Policy", "Content-Security-Policy-Report-Only"):
        expected = theirs_response.get(header)
        if case == "a nonce drawn":  # (each request its own nonce)
            expected = expected and expected.replace(theirs._csp_nonce, ours._csp_nonce)
        assert ours_response.get(header) == expected, header
    assert ("maps.example" in ours_response["Content-Security-Policy"]) == (case == "its own policy")
    assert ("intranet.example" in ours_response["Content-Security-Policy"]) == (case == "other settings")
    assert ("'nonce-" in ours_response["Content-Security-Policy"]) == (case == "a nonce drawn")
    assert ("Content-Security-Policy-Report-Only" in ours_response) == (case == "other settings")
    if case == "plain":  # and a nonce asked for once the header is written is refused, as django-csp does
        with pytest.raises(CSPNonceError):
            str(ours.csp_nonce)
