"""Password rules (OWASP ASVS 2.1): at least 12 characters, not a common one, not only digits, not
like the person's name; refused in Chinese on the password change, the forced first change and the
admin's password form."""

from __future__ import annotations

import pytest
from django.urls import reverse

from departments.models import Profile

pytestmark = pytest.mark.django_db

CASES = [
    ("short-1", "密码太短：至少需要 12 个字符。"),
    ("123456789012345", "密码只包含数字。"),
    ("password1234", "这个密码太常见了。"),
]


@pytest.fixture
def person(django_user_model):
    return django_user_model.objects.create_user("xu", password="pw-for-tests-1", first_name="徐")


@pytest.mark.parametrize("password, message", CASES)
def test_the_password_change_refuses_weak_passwords_in_chinese(client, person, password, message):
    client.force_login(person)
    answer = client.post(reverse("password_change"), {
        "old_password": "pw-for-tests-1", "new_password1": password, "new_password2": password})
    assert answer.status_code == 200
    assert message in answer.content.decode()
    person.refresh_from_db()
    assert person.check_password("pw-for-tests-1")


def test_the_forced_first_change_refuses_a_short_password_in_chinese(client, person):
    Profile.objects.update_or_create(user=person, defaults={"must_change_password": True})
    client.post(reverse("login"), {"username": "xu", "password": "pw-for-tests-1"})
    assert client.get(reverse("supervision:my-work"))["Location"] == reverse("password_change")
    answer = client.post(reverse("password_change"), {
        "old_password": "pw-for-tests-1", "new_password1": "short-1", "new_password2": "short-1"})
    assert "密码太短：至少需要 12 个字符。" in answer.content.decode()
    assert client.get(reverse("supervision:my-work"))["Location"] == reverse("password_change")  # still forced


@pytest.mark.parametrize("password, message", CASES)
def test_the_admins_password_form_refuses_weak_passwords_in_chinese(client, django_user_model, person, password,
                                                                     message):
    admin = django_user_model.objects.create_superuser("root", password="pw-for-tests-1")
    client.force_login(admin)
    answer = client.post(reverse("admin:auth_user_password_change", args=[person.pk]),
                         {"password1": password, "password2": password, "usable_password": "true"})
    assert answer.status_code == 200
    assert message in answer.content.decode()


def test_a_good_password_is_taken(client, person):
    client.force_login(person)
    answer = client.post(reverse("password_change"), {
        "old_password": "pw-for-tests-1", "new_password1": "长城脚下的春天-2026", "new_password2": "长城脚下的春天-2026"})
    assert answer.status_code == 302
