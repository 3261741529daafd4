"""忘记密码 by e-mail where mail goes out (Django's reset flow in the portal's layout and in Chinese); elsewhere
the log-in page says to ask a plan admin."""

import re

import pytest
from django.core import mail
from django.core.cache import cache
from django.urls import reverse

from departments.models import SecurityEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def by_email(settings):
    settings.PASSWORD_RESET_BY_EMAIL = True
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    cache.delete_pattern("password-reset:*") if hasattr(cache, "delete_pattern") else cache.clear()
    return settings


@pytest.fixture
def person(django_user_model):
    return django_user_model.objects.create_user("zhang", email="zhang@example.org", password="old-pass-word-1")


def _link(message) -> str:
    return re.search(r"https?://[^/\s]+(/accounts/reset/\S+/)", message.body).group(1)


def test_the_login_page_offers_the_reset_only_where_mail_goes_out(client, settings):
    settings.PASSWORD_RESET_BY_EMAIL = False
    page = client.get(reverse("login")).content.decode()
    assert reverse("password_reset") not in page and 'class="login-help muted"' in page  # ask a plan admin
    reset = client.get(reverse("password_reset")).content.decode()
    assert 'name="email"' not in reset
    assert client.post(reverse("password_reset"), {"email": "a@example.org"}).status_code == 200  # nothing sent
    assert not mail.outbox
    settings.PASSWORD_RESET_BY_EMAIL = True
    assert reverse("password_reset") in client.get(reverse("login")).content.decode()


def test_the_mail_goes_out_in_chinese_and_its_link_sets_a_new_password(client, by_email, person):
    # when the person asks for a reset
    response = client.post(reverse("password_reset"), {"email": "ZHANG@example.org"})
    assert response.status_code == 302 and response.url == reverse("password_reset_done")
    assert "你应该很快就会收到" in client.get(response.url).content.decode()

    # then one mail, in Chinese, carries a link
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["zhang@example.org"]
    assert "密码" in mail.outbox[0].subject and "密码" in mail.outbox[0].body
    link = _link(mail.outbox[0])

    # when they follow it and choose a new password
    form = client.get(link, follow=True)
    assert form.status_code == 200 and 'name="new_password1"' in form.content.decode()
    done = client.post(form.redirect_chain[-1][0], {"new_password1": "a-new-pass-word-9", "new_password2": "a-new-pass-word-9"})
    assert done.status_code == 302 and done.url == reverse("password_reset_complete")

    # then the new password logs in, the old one no more, and the reset is audited
    person.refresh_from_db()
    assert person.check_password("a-new-pass-word-9") and not person.check_password("old-pass-word-1")
    assert SecurityEvent.objects.filter(kind=SecurityEvent.Kind.PASSWORD_RESET_ASKED, username="ZHANG@example.org").exists()
    assert SecurityEvent.objects.filter(kind=SecurityEvent.Kind.PASSWORD_RESET, user=person).exists()

    # and the link, once used, says so in Chinese (no 500)
    again = client.get(link, follow=True)
    assert again.status_code == 200
    assert "密码重置链接无效，可能是因为它已使用" in again.content.decode()


def test_an_expired_or_forged_link_gives_a_clear_message(client, by_email, person):
    response = client.get(reverse("password_reset_confirm", args=["MQ", "set-password"]), follow=True)
    assert response.status_code == 200 and "无效" in response.content.decode()
    response = client.get(reverse("password_reset_confirm", args=["not-base64!", "abc-123"]), follow=True)
    assert response.status_code == 200 and "无效" in response.content.decode()


def test_an_unknown_address_gets_the_same_answer_and_no_mail(client, by_email, person):
    known = client.post(reverse("password_reset"), {"email": "zhang@example.org"})
    unknown = client.post(reverse("password_reset"), {"email": "nobody@example.org"})
    assert (known.status_code, known.url) == (unknown.status_code, unknown.url)
    assert len(mail.outbox) == 1
    assert SecurityEvent.objects.get(username="nobody@example.org").detail.startswith("accounts: 0")


def test_a_flood_of_requests_sends_a_few_mails_and_the_same_answer(client, by_email, person):
    by_email.PASSWORD_RESET_PER_HOUR = 2
    answers = {client.post(reverse("password_reset"), {"email": "zhang@example.org"}).url for _ in range(5)}
    assert answers == {reverse("password_reset_done")}
    assert len(mail.outbox) == 2


def test_a_bad_address_is_a_field_message_in_chinese(client, by_email):
    page = client.post(reverse("password_reset"), {"email": "not an address"}).content.decode()
    assert 'class="error-summary"' in page and 'href="#id_email"' in page
    assert "请输入合法的邮件地址" in page


def test_a_mismatched_new_password_is_a_field_message(client, by_email, person):
    client.post(reverse("password_reset"), {"email": "zhang@example.org"})
    form = client.get(_link(mail.outbox[0]), follow=True)
    page = client.post(form.redirect_chain[-1][0], {"new_password1": "a-new-pass-word-9",
                                                    "new_password2": "another-pass-9"}).content.decode()
    assert 'class="error-summary"' in page and 'href="#id_new_password2"' in page
    person.refresh_from_db()
    assert person.check_password("old-pass-word-1")
