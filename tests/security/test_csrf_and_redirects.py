"""CSRF on every POST of the permission matrix (pages and the API with a session), and open
redirects: `?next=` after log-in only to this site."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from tests.unionplan import test_permission_matrix as matrix

# The matrix's data and rows: every POST it knows is sent here without a token.
world, mid_2020, _rows = matrix.world, matrix.mid_2020, matrix._rows

pytestmark = pytest.mark.django_db


def test_every_post_without_a_csrf_token_is_refused(world):
    # given a plan admin's session (the role allowed the most), in a client that enforces CSRF
    client = Client(enforce_csrf_checks=True)
    client.force_login(world["users"]["plan_admin"])
    posts = [(name, url, data) for name, cases in _rows(world).items() for method, url, data, _expected in cases
             if method == "POST" and name not in ("login",)]
    # when each POST of the matrix is sent without the token
    answers = {f"{name} {url}": client.post(url, data or {}).status_code for name, url, data in posts}
    # then each is refused before it does anything
    assert {key: status for key, status in answers.items() if status != 403} == {}
    print(f"CSRF: {len(answers)} POST forms and API calls refused without a token")
    assert len(answers) >= 30


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/", "/\\evil.example",
                                    "https:evil.example", "javascript:alert(1)", "\t//evil.example"])
def test_log_in_never_redirects_off_site(client, django_user_model, target):
    django_user_model.objects.create_user("zhou", password="right-password-1")
    response = client.post(reverse("login") + "?next=" + target,
                           {"username": "zhou", "password": "right-password-1", "next": target})
    assert response.status_code == 302
    location = response["Location"]
    assert location.startswith("/") and not location.startswith("//") and "evil" not in location
