"""The CSRF token of cached pages (core.csrf.get_token): Django's, with a cheaper random mask."""

import collections

import pytest
from django.middleware import csrf
from django.test import RequestFactory

from core.csrf import get_token


def _request(secret=None):
    request = RequestFactory().get("/")
    if secret is not None:
        request.META["CSRF_COOKIE"] = secret
    return request


def test_the_token_masks_the_cookies_secret_afresh_each_time_and_django_reads_it_back():
    secret = csrf._get_new_csrf_string()
    tokens = {get_token(_request(secret)) for _ in range(50)}
    assert len(tokens) == 50  # no two responses carry the same bytes (BREACH)
    for token in tokens:
        assert len(token) == csrf.CSRF_TOKEN_LENGTH and set(token) <= set(csrf.CSRF_ALLOWED_CHARS)
        assert csrf._unmask_cipher_token(token) == secret and secret not in token
    request = _request(secret)
    get_token(request)
    assert request.META["CSRF_COOKIE_NEEDS_UPDATE"] is True  # the cookie is sent again, as Django does


def test_without_a_secret_it_is_djangos_own_a_new_secret_and_its_cookie():
    request = _request()
    token = get_token(request)
    assert csrf._unmask_cipher_token(token) == request.META["CSRF_COOKIE"]
    assert request.META["CSRF_COOKIE_NEEDS_UPDATE"] is True


def test_the_masks_characters_are_evenly_drawn():
    counts = collections.Counter("".join(get_token(_request("a" * 32))[:32] for _ in range(2000)))
    expected = 2000 * 32 / 62
    assert set(counts) == set(csrf.CSRF_ALLOWED_CHARS)
    assert all(abs(count - expected) < expected * 0.25 for count in counts.values())  # (±25%: some 8 σ)


@pytest.mark.django_db
def test_a_form_posted_with_the_token_of_a_cached_page_is_accepted(client, django_user_model):
    from django.urls import reverse

    user = django_user_model.objects.create_user("csrf-user", password="x-Password-1")
    client = type(client)(enforce_csrf_checks=True)
    client.force_login(user)
    client.get(reverse("notifications:list"))  # the CSRF cookie
    secret = client.cookies["csrftoken"].value
    token = get_token(_request(secret))
    response = client.post(reverse("logout"), {"csrfmiddlewaretoken": token})
    assert response.status_code == 302
    assert client.post(reverse("logout"), {"csrfmiddlewaretoken": token[:-1] + "!"}).status_code == 403
