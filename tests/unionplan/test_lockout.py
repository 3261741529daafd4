"""Log-in lock-out (django-axes): a username is locked at one address after five wrong passwords,
for thirty minutes, and a plan admin can lift it in the admin site."""

import datetime

import pytest
from axes.models import AccessAttempt
from django.contrib.auth import authenticate
from django.urls import reverse
from django.utils import timezone

pytestmark = pytest.mark.django_db

PASSWORD = "pw-for-tests-1"
OFFICE_PC = "10.1.2.3"
OTHER_PC = "10.1.2.4"


@pytest.fixture
def staff(django_user_model):
    return django_user_model.objects.create_user(username="staff", password=PASSWORD)


def log_in(client, username, password, *, address=OFFICE_PC):
    return client.post(reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=address)


def fail(client, username, times, *, address=OFFICE_PC):
    for _ in range(times):
        log_in(client, username, "wrong", address=address)


def is_lockout_page(response):
    return response.status_code == 429 and "registration/locked_out.html" in [t.name for t in response.templates]


def test_after_five_wrong_passwords_even_the_right_one_is_refused_with_the_lockout_page(client, staff, settings):
    # given
    assert settings.AXES_FAILURE_LIMIT == 5
    fourth = [log_in(client, "staff", "wrong") for _ in range(4)][-1]

    # when
    fifth = log_in(client, "staff", "wrong")
    right = log_in(client, "staff", PASSWORD)

    # then
    assert fourth.status_code == 200 and "form" in fourth.context  # the log-in form again, with its error
    assert is_lockout_page(fifth)
    assert is_lockout_page(right)
    assert "_auth_user_id" not in client.session
    page = right.content.decode()
    assert 'href="/accounts/login/"' in page
    assert right.context["failure_limit"] == 5
    assert right.context["cooloff_timedelta"] == datetime.timedelta(minutes=30)


def test_four_wrong_passwords_do_not_lock(client, staff):
    fail(client, "staff", 4)
    assert log_in(client, "staff", PASSWORD).status_code == 302


def test_another_user_at_the_same_address_is_not_locked(client, staff, django_user_model):
    django_user_model.objects.create_user(username="colleague", password=PASSWORD)
    fail(client, "staff", 5)

    response = log_in(client, "colleague", PASSWORD)

    assert response.status_code == 302


def test_the_same_user_at_another_address_is_not_locked(client, staff):
    fail(client, "staff", 5)

    assert log_in(client, "staff", PASSWORD, address=OTHER_PC).status_code == 302


def test_a_successful_log_in_before_the_limit_starts_the_count_again(client, staff):
    # given: four failures, then the right password
    fail(client, "staff", 4)
    assert log_in(client, "staff", PASSWORD).status_code == 302
    client.post(reverse("logout"))

    # when: four more failures (eight in all, but only four since the success)
    fail(client, "staff", 4)

    # then
    assert log_in(client, "staff", PASSWORD).status_code == 302


def test_the_lock_ends_thirty_minutes_after_the_last_failure(client, staff):
    # given
    fail(client, "staff", 5)
    assert is_lockout_page(log_in(client, "staff", PASSWORD))

    # when: the last failure was 29 minutes ago, then 31
    AccessAttempt.objects.update(attempt_time=timezone.now() - datetime.timedelta(minutes=29))
    still_locked = log_in(client, "staff", PASSWORD)
    AccessAttempt.objects.update(attempt_time=timezone.now() - datetime.timedelta(minutes=31))
    unlocked = log_in(client, "staff", PASSWORD)

    # then
    assert is_lockout_page(still_locked)
    assert unlocked.status_code == 302


def test_tries_while_locked_do_not_extend_the_lock(client, staff):
    # given: locked 20 minutes ago
    fail(client, "staff", 5)
    twenty_minutes_ago = timezone.now() - datetime.timedelta(minutes=20)
    AccessAttempt.objects.update(attempt_time=twenty_minutes_ago)

    # when: more tries while locked
    assert is_lockout_page(log_in(client, "staff", "wrong"))
    assert is_lockout_page(log_in(client, "staff", PASSWORD))

    # then: the lock still ends 30 minutes after the fifth failure
    attempt = AccessAttempt.objects.get()
    assert (attempt.failures_since_start, attempt.attempt_time) == (5, twenty_minutes_ago)


def test_a_plan_admin_unlocks_a_user_in_the_admin_site(client, staff, django_user_model):
    # given: staff is locked out at the office PC
    fail(client, "staff", 5)
    attempt = AccessAttempt.objects.get(username="staff")
    admin = django_user_model.objects.create_user(username="planadmin", password=PASSWORD, is_staff=True,
                                                  is_superuser=True)
    admin_client = type(client)()
    admin_client.force_login(admin)

    # when: the admin finds the attempt and deletes it
    listing = admin_client.get(reverse("admin:axes_accessattempt_changelist"))
    assert "staff" in listing.content.decode()
    deleted = admin_client.post(reverse("admin:axes_accessattempt_delete", args=[attempt.pk]), {"post": "yes"})

    # then
    assert deleted.status_code == 302
    assert log_in(client, "staff", PASSWORD).status_code == 302


def test_code_on_the_server_authenticates_without_a_request(staff):
    # The shell, management commands and Django's test client call authenticate() with no
    # request: there is no client address to lock, so the lock-out backend stands aside.
    assert authenticate(username="staff", password=PASSWORD) == staff
    assert authenticate(username="staff", password="wrong") is None
    assert not AccessAttempt.objects.exists()


def test_behind_the_proxy_each_client_address_is_locked_apart_and_a_forged_header_does_not_help(client, staff, settings):
    # given one trusted reverse proxy (docker-compose's nginx): every request comes from the proxy's address
    settings.TRUSTED_PROXY_HOPS = 1
    proxy = "172.18.0.5"
    settings.TRUSTED_PROXIES = ["172.18.0.0/24"]

    def via_proxy(password, client_address, forged=""):
        forwarded = f"{forged}, {client_address}" if forged else client_address
        return client.post(reverse("login"), {"username": "staff", "password": password},
                           REMOTE_ADDR=proxy, HTTP_X_FORWARDED_FOR=forwarded)

    # when someone at one PC fails five times, then tries a forged X-Forwarded-For
    for _ in range(5):
        via_proxy("wrong", OFFICE_PC)
    assert is_lockout_page(via_proxy(PASSWORD, OFFICE_PC))
    assert is_lockout_page(via_proxy(PASSWORD, OFFICE_PC, forged=OTHER_PC))

    # then the same user at another PC behind the same proxy still logs in
    assert via_proxy(PASSWORD, OTHER_PC).status_code == 302


def test_without_a_proxy_a_forged_header_changes_nothing(client, staff, settings):
    # given production without a proxy in front (the default: the socket's address counts)
    assert settings.TRUSTED_PROXY_HOPS == 0
    # when one client sends 40 wrong passwords, each with a new X-Forwarded-For
    for n in range(40):
        client.post(reverse("login"), {"username": "staff", "password": "wrong"}, REMOTE_ADDR=OFFICE_PC,
                    HTTP_X_FORWARDED_FOR=f"10.9.{n}.1")
    # then it was locked at its own address after five, and the right password does not let it in
    response = client.post(reverse("login"), {"username": "staff", "password": PASSWORD}, REMOTE_ADDR=OFFICE_PC,
                           HTTP_X_FORWARDED_FOR="10.9.99.1")
    assert is_lockout_page(response)
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {OFFICE_PC}


def test_the_header_counts_only_on_a_connection_from_a_trusted_proxy(client, staff, settings):
    # given a deployment with one proxy at 172.18.0.5, and a client that reaches gunicorn directly
    settings.TRUSTED_PROXY_HOPS = 1
    settings.TRUSTED_PROXIES = ["172.18.0.5"]
    victim = "192.168.1.50"
    # when the direct client forges the victim's address five times
    for _ in range(5):
        client.post(reverse("login"), {"username": "staff", "password": "wrong"}, REMOTE_ADDR=OTHER_PC,
                    HTTP_X_FORWARDED_FOR=victim)
    # then it locked itself out, not the victim, who logs in through the proxy
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {OTHER_PC}
    response = client.post(reverse("login"), {"username": "staff", "password": PASSWORD}, REMOTE_ADDR="172.18.0.5",
                           HTTP_X_FORWARDED_FOR=victim)
    assert response.status_code == 302


def test_the_token_endpoint_answers_429_while_locked(client, staff):
    # given five wrong passwords against the token endpoint
    url = "/api/v1/auth/token/"
    answers = [client.post(url, {"username": "staff", "password": "wrong"}, REMOTE_ADDR=OFFICE_PC).status_code
               for _ in range(5)]
    # when the right one comes
    locked = client.post(url, {"username": "staff", "password": PASSWORD}, REMOTE_ADDR=OFFICE_PC)
    # then: four 400s (wrong password), then 429 as the schema says, with when to try again
    assert answers == [400, 400, 400, 400, 429]
    assert locked.status_code == 429 and locked["Retry-After"] == "1800"
    assert "锁定" in locked.json()["detail"]
