"""A body above the largest legitimate upload is refused (413) before anything reads it, logged in or not."""

import io
import re

import pytest
from django.conf import settings as django_settings
from django.http import HttpResponse
from django.test import RequestFactory

from progress.evidence import MAX_EVIDENCE_BYTES, MAX_EVIDENCE_FILES

pytestmark = pytest.mark.django_db

MB = 1024 * 1024


def _post(client, path, *, length, content_type, **extra):
    # The body is one byte; the header claims `length`. Reading past the byte fails the test
    # (the test client's payload refuses), so a 413 here was answered before the body was read.
    return client.generic("POST", path, b"x", content_type=content_type, CONTENT_LENGTH=str(length), **extra)


def test_half_a_gigabyte_to_the_log_in_page_is_refused_unread(client):
    response = _post(client, "/accounts/login/", length=512 * MB, content_type="multipart/form-data; boundary=x")
    assert response.status_code == 413
    assert "上传的内容过大" in response.content.decode()


def test_a_gigabyte_to_the_reports_api_is_refused_unread(client, roles):
    from knox.models import AuthToken

    _token, key = AuthToken.objects.create(user=roles.staff)
    response = _post(client, "/api/v1/reports/", length=1024 * MB, content_type="multipart/form-data; boundary=x",
                     HTTP_AUTHORIZATION=f"Token {key}")
    assert response.status_code == 413 and "detail" in response.json()


def test_a_json_body_is_held_to_djangos_limit_for_bodies_that_are_not_files(client):
    # Under the proxy's limit the body is taken (and dropped) first: nginx, still sending it, would
    # answer 502 to a connection closed under it.
    body = b"[" + b"1," * (3 * MB // 2) + b"1]"
    response = client.generic("POST", "/api/v1/auth/token/", body, content_type="application/json")
    assert response.status_code == 413


def test_the_largest_legitimate_upload_passes():
    from unionplan.middleware import RequestSizeLimitMiddleware

    # five evidence files of 10 MB and the form's fields: what the report form and the API accept
    assert django_settings.UNIONPLAN_MAX_REQUEST_BYTES >= MAX_EVIDENCE_FILES * MAX_EVIDENCE_BYTES + 256 * 1024
    middleware = RequestSizeLimitMiddleware(lambda request: HttpResponse("passed"))
    request = RequestFactory().generic("POST", "/items/1/report/", b"x", content_type="multipart/form-data; boundary=x",
                                       CONTENT_LENGTH=str(django_settings.UNIONPLAN_MAX_REQUEST_BYTES),
                                       **{"wsgi.input": io.BytesIO(b"x")})
    assert middleware(request).content == b"passed"


def test_a_body_nobody_read_is_taken_before_the_answer(client):
    # given 2 MB of JSON to the reports API without credentials: refused (401) before DRF reads it
    body = io.BytesIO(b"[" + b"1," * MB + b"1]")
    response = client.generic("POST", "/api/v1/reports/", b"x", content_type="application/json",
                              CONTENT_LENGTH=str(len(body.getvalue())), **{"wsgi.input": body})
    # then the body was read to its end all the same: nginx, still sending it, gets the 401, not a cut connection
    assert response.status_code == 401
    assert body.tell() == len(body.getvalue())


def test_nginx_refuses_the_same_sizes():
    template = (django_settings.BASE_DIR / "deploy" / "nginx" / "unionplan.conf.template").read_text()
    megabytes = int(re.search(r"client_max_body_size\s+(\d+)m;", template).group(1))
    assert megabytes * MB == django_settings.UNIONPLAN_MAX_REQUEST_BYTES
