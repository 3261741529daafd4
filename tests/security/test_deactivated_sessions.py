"""A deactivated person is logged out at once: their open sessions end, whichever way they were
deactivated (the people page, the admin's 有效 box, a script), and the very next request is anonymous."""

from __future__ import annotations

from importlib import import_module

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from departments.models import SecurityEvent, UserSession

pytestmark = pytest.mark.django_db


def _session_exists(key: str) -> bool:
    return import_module(settings.SESSION_ENGINE).SessionStore().exists(key)


def _logged_in_client(user) -> Client:
    browser = Client()
    assert browser.post(reverse("login"), {"username": user.username, "password": "pw-for-tests-1"}).status_code == 302
    assert browser.get(reverse("password_change")).status_code == 200
    return browser


def test_a_person_deactivated_on_the_people_page_is_logged_out_on_their_next_request(client, roles):
    # given other (职工互助办) is logged in in their own browser
    browser = _logged_in_client(roles.other_staff)
    key = browser.session.session_key
    assert UserSession.objects.filter(user=roles.other_staff, session_key=key).exists()

    # when a plan admin deactivates them in another request
    client.force_login(roles.plan_admin)
    client.post(reverse("departments:person-deactivate", args=[roles.other_staff.pk]))

    # then their session is gone from the store and their next page asks them to log in
    assert not _session_exists(key)
    answer = browser.get(reverse("password_change"))
    assert answer.status_code == 302 and answer["Location"].startswith(reverse("login"))
    event = SecurityEvent.objects.get(kind=SecurityEvent.Kind.SESSIONS_ENDED)
    assert event.user == roles.plan_admin and "other" in event.detail


def test_a_person_deactivated_in_the_admin_is_logged_out_too(client, roles):
    browser = _logged_in_client(roles.other_staff)
    key = browser.session.session_key
    user = roles.other_staff
    user.is_active = False
    user.save()  # the admin's change form saves the whole user
    assert not _session_exists(key)
    assert browser.get(reverse("password_change")).status_code == 302


def test_even_a_session_nobody_noted_ends_with_the_deactivation(roles):
    # A session from before the sessions were noted (no UserSession row) is not deleted, but the user's
    # cached frame is forgotten with the save and Django's ModelBackend refuses an inactive user on each
    # request, so the page is not served either.
    browser = _logged_in_client(roles.other_staff)
    assert browser.get(reverse("password_change")).status_code == 200  # the user's frame is now cached
    UserSession.objects.all().delete()
    roles.other_staff.is_active = False
    roles.other_staff.save(update_fields=["is_active"])
    assert browser.get(reverse("password_change")).status_code == 302


def test_a_log_out_forgets_the_session_and_a_password_change_keeps_it_known(client, roles):
    browser = _logged_in_client(roles.staff)
    answer = browser.post(reverse("password_change"), {
        "old_password": "pw-for-tests-1", "new_password1": "a-longer-Password-2", "new_password2": "a-longer-Password-2"})
    assert answer.status_code == 302
    new_key = browser.session.session_key
    assert list(UserSession.objects.filter(user=roles.staff).values_list("session_key", flat=True)) == [new_key]
    browser.post(reverse("logout"))
    assert not UserSession.objects.filter(user=roles.staff).exists()
