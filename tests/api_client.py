"""The REST API as a client program calls it: a token client, and a report body with the item's version."""

from __future__ import annotations

from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

API = "/api/v1"


def client_for(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=user)[0].key}")
    return client


def report_body(item, **changes) -> dict:
    return {"item": item.pk, "status": "in_progress", "percent": 40, "narrative": "已举办学习培训班一期。",
            "version": item.version} | changes
