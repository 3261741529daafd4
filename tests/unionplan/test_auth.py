import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_login_with_wrong_password_says_so_in_chinese(client, roles):
    response = client.post(reverse("login"), {"username": "staff", "password": "wrong"})
    assert response.status_code == 200
    assert "请输入一个正确的" in response.content.decode()


def test_login_then_logout(client, roles):
    response = client.post(reverse("login"), {"username": "staff", "password": "pw-for-tests-1"})
    assert response.status_code == 302
    assert client.get(reverse("tasks:plan-list")).status_code == 200
    client.post(reverse("logout"))
    assert client.get(reverse("tasks:plan-list")).status_code == 302
