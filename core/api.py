"""What every part of the REST API shares: who may call it, pages, errors.

Each app keeps its own endpoints in its `api.py`; `unionplan/api_urls.py` puts
them under /api/v1/.
"""

from __future__ import annotations

import django_filters
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import PageNumberPagination
from rest_framework.permissions import BasePermission
from rest_framework.response import Response

from .exceptions import Conflict

# Negative ids too, so that they get the API's JSON 404 rather than the site's HTML one.
ID_PATTERN = r"-?[0-9]+"

ERRORS = {
    400: OpenApiResponse(description="Invalid input: a message per field, in the user's language"),
    401: OpenApiResponse(description="Not logged in (token or session)"),
    403: OpenApiResponse(description="Not allowed to this user"),
    404: OpenApiResponse(description="No such record"),
    415: OpenApiResponse(description="A body that is not JSON, a form or well-formed multipart"),
}


class IdFilter(django_filters.NumberFilter):
    """A filter by a record's id, bounded so that an absurd number is a 400, not a database overflow."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", 2**63 - 1)
        super().__init__(*args, **kwargs)


class IsActiveUser(BasePermission):
    """Any logged-in, active user; what they may do to a record is asked per record (each app's permissions.py)."""

    message = _("Log in with an active account.")

    def has_permission(self, request, view):
        return bool(request.user and request.user.is_authenticated and request.user.is_active)


class Pagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200


def form_errors(form, *, rename: dict[str, str] | None = None) -> dict[str, list[str]]:
    """A page form's errors as the API's field errors, under the API's field names."""
    rename = rename or {}
    errors: dict[str, list[str]] = {}
    for field, messages in form.errors.items():
        key = "non_field_errors" if field == "__all__" else rename.get(field, field)
        errors.setdefault(key, []).extend(messages)
    return errors


def exception_handler(exc, context):
    """DRF's handler, plus: a concurrent change (`Conflict`) is a 409 with the record's current version."""
    # Imported here: DRF loads this module while rest_framework.views is still loading.
    from rest_framework.views import exception_handler as drf_exception_handler

    if isinstance(exc, Conflict):
        body = {"detail": exc.message}
        if exc.version is not None:
            body["version"] = exc.version
        return Response(body, status=409)
    return drf_exception_handler(exc, context)


def require(allowed: bool) -> None:
    """Refuse (403) unless the permission question said yes."""
    if not allowed:
        raise PermissionDenied


def reference(queryset, pk, *, field: str):
    """An id in a request body that names nothing is the client's mistake on that field (400), not a 404."""
    try:
        return queryset.get(pk=pk)
    except queryset.model.DoesNotExist:
        raise ValidationError({field: [_("There is no such record (id %(id)s).") % {"id": pk}]})
