"""The REST API as a client program calls it: a token client, and a report body with the item's version."""

from __future__ import annotations

from knox.models import AuthToken
from rest_framework.test import APIClient

API = "/api/v1"


def client_for(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {AuthToken.objects.create(user=user)[1]}")
    return client


def report_body(item, **changes) -> dict:
    return {"item": item.pk, "status": "in_progress", "percent": 40, "narrative": "已举办学习培训班一期。",
            "version": item.version} | changes
