"""API tokens (django-rest-knox): issued with the password, stored only as a hash, expiring after
API_TOKEN_DAYS, listed and revoked by their owner (我的 API 令牌), revoked by a plan admin on the
people page or in the admin, gone with a deactivation; every issue and revocation audited."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone
from knox.models import AuthToken
from rest_framework.test import APIClient

from departments.models import SecurityEvent

pytestmark = pytest.mark.django_db

Kind = SecurityEvent.Kind
API = "/api/v1"


@pytest.fixture
def person(django_user_model):
    return django_user_model.objects.create_user("zhou", password="pw-for-tests-1", first_name="周")


def _issue(username="zhou", password="pw-for-tests-1"):
    return APIClient().post(f"{API}/auth/token/", {"username": username, "password": password})


def _api(key):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def test_a_token_is_issued_with_its_expiry_stored_only_as_a_hash_and_audited(person, settings):
    response = _issue()
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"token", "expires"}
    expires = datetime.datetime.fromisoformat(body["expires"])
    assert abs(expires - (timezone.now() + datetime.timedelta(days=settings.API_TOKEN_DAYS))) < datetime.timedelta(
        minutes=1)
    stored = AuthToken.objects.get(user=person)
    assert body["token"] not in (stored.digest, stored.token_key)  # only a hash and the first characters
    assert _api(body["token"]).get(f"{API}/departments/").status_code == 200
    event = SecurityEvent.objects.get(kind=Kind.API_TOKEN_ISSUED)
    assert event.user == person and stored.token_key[:8] in event.detail and body["token"] not in event.detail


def test_each_client_gets_its_own_token(person):
    first, second = _issue().json()["token"], _issue().json()["token"]
    assert first != second and AuthToken.objects.filter(user=person).count() == 2
    assert _api(first).get(f"{API}/departments/").status_code == 200


def test_an_expired_token_answers_401_in_chinese_and_is_gone(person, settings):
    key = _issue().json()["token"]
    with time_machine.travel(timezone.now() + datetime.timedelta(days=settings.API_TOKEN_DAYS, minutes=1)):
        response = _api(key).get(f"{API}/departments/")
    assert response.status_code == 401
    assert "过期" in response.json()["detail"]
    assert not AuthToken.objects.filter(user=person).exists()


def test_a_wrong_token_answers_401_in_chinese(person):
    response = _api("f" * 64).get(f"{API}/departments/")
    assert response.status_code == 401 and "无效" in response.json()["detail"]


def test_the_owner_lists_and_revokes_their_tokens(client, person, django_user_model):
    key = _issue().json()["token"]
    other = django_user_model.objects.create_user("wu", password="pw-for-tests-1")
    others_key = _issue("wu").json()["token"]
    client.force_login(person)

    page = client.get(reverse("api_tokens")).content.decode()
    token = AuthToken.objects.get(user=person)
    assert "我的 API 令牌" in page and f"{token.token_key[:8]}…" in page
    assert timezone.localtime(token.expiry).strftime("%Y-%m-%d") in page
    assert key not in page

    # someone else's token is not theirs to revoke
    client.post(reverse("api_tokens"), {"token": AuthToken.objects.get(user=other).token_key})
    assert _api(others_key).get(f"{API}/departments/").status_code == 200

    answer = client.post(reverse("api_tokens"), {"token": token.token_key}, follow=True)
    assert "已撤销" in answer.content.decode()
    assert _api(key).get(f"{API}/departments/").status_code == 401
    revoked = SecurityEvent.objects.get(kind=Kind.API_TOKEN_REVOKED)
    assert revoked.user == person and "zhou" in revoked.detail


def test_the_password_page_leads_to_the_token_page(client, person):
    client.force_login(person)
    assert reverse("api_tokens") in client.get(reverse("password_change")).content.decode()


def test_a_plan_admin_revokes_a_persons_tokens_on_the_people_page(client, roles):
    key = _issue("staff").json()["token"]
    client.force_login(roles.plan_admin)
    page = client.get(reverse("departments:people")).content.decode()
    assert reverse("departments:person-api-tokens-revoke", args=[roles.staff.pk]) in page

    client.post(reverse("departments:person-api-tokens-revoke", args=[roles.staff.pk]))

    assert _api(key).get(f"{API}/departments/").status_code == 401
    event = SecurityEvent.objects.get(kind=Kind.API_TOKEN_REVOKED)
    assert event.user == roles.plan_admin and "staff" in event.detail


def test_a_token_deleted_in_the_admin_is_audited(client, roles):
    _issue("staff")
    token = AuthToken.objects.get(user=roles.staff)
    client.force_login(roles.plan_admin)
    assert client.get(reverse("admin:knox_authtoken_changelist")).status_code == 200
    client.post(reverse("admin:knox_authtoken_delete", args=[token.pk]), {"post": "yes"})
    assert not AuthToken.objects.filter(user=roles.staff).exists()
    assert SecurityEvent.objects.get(kind=Kind.API_TOKEN_REVOKED).user == roles.plan_admin


def test_a_person_deactivated_in_the_admin_loses_their_tokens(client, person):
    key = _issue().json()["token"]
    person.is_active = False
    person.save()  # as the admin's 有效 box does
    assert not AuthToken.objects.filter(user=person).exists()
    assert _api(key).get(f"{API}/departments/").status_code == 401


def test_existing_authtoken_keys_keep_working_after_the_move(person, settings):
    # The migration's step, run on an old table as the previous release left it.
    import types
    from importlib import import_module

    from django.apps import apps
    from django.db import connection

    move_tokens = import_module("departments.migrations.0011_api_tokens_to_knox").move_tokens
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE authtoken_token (key varchar(40) PRIMARY KEY, user_id integer, created timestamp)")
        cursor.execute("INSERT INTO authtoken_token VALUES (%s, %s, %s)", ["a" * 40, person.pk, timezone.now()])
    try:
        move_tokens(apps, types.SimpleNamespace(connection=connection))
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM authtoken_token")
            assert cursor.fetchone()[0] == 0  # no key left in clear
    finally:
        with connection.cursor() as cursor:
            cursor.execute("DROP TABLE authtoken_token")
    assert _api("a" * 40).get(f"{API}/departments/").status_code == 200
    expiry = AuthToken.objects.get(user=person).expiry
    assert expiry > timezone.now() + datetime.timedelta(days=settings.API_TOKEN_DAYS - 1)


def test_a_name_longer_than_any_users_is_refused_on_its_field(db):
    # (schemathesis found it: a 300-character name reached django-axes' 255-character column: a 500)
    response = _issue(username="名" * 300)
    assert response.status_code == 400
    assert "username" in response.json()
