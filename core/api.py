"""What every part of the REST API shares: who may call it, pages, errors.

Each app keeps its own endpoints in its `api.py`; `unionplan/api_urls.py` puts
them under /api/v1/.
"""

from __future__ import annotations

import re

import django_filters
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext_lazy as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers
from rest_framework.exceptions import NotFound, ValidationError
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


_WHOLE_NUMBER = re.compile(r"-?[0-9]{1,19}")


class Pagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200

    def get_page_size(self, request):
        """`?page_size=` is a whole number from 1 (above 200 reads as 200); anything else is a 400,
        not the default page size said nothing about (DRF's own reading)."""
        values = request.query_params.getlist(self.page_size_query_param)
        if not values:
            return self.page_size
        if len(values) > 1 or not _WHOLE_NUMBER.fullmatch(values[0]) or int(values[0]) < 1:
            raise ValidationError({self.page_size_query_param: [_("A whole number from 1 to %(max)d.")
                                                                % {"max": self.max_page_size}]})
        return min(int(values[0]), self.max_page_size)

    def get_page_number(self, request, paginator):
        # DRF reads an empty or repeated ?page= as page 1; like any other page that is not there, a 404.
        values = request.query_params.getlist(self.page_query_param)
        if len(values) > 1 or values == [""]:
            raise NotFound(_("Invalid page."))
        return super().get_page_number(request, paginator)


class FilterBackend(DjangoFilterBackend):
    """django-filter, held to the types the schema gives the filters.

    django-filter reads a boolean filter that is not "true"/"false" (`?is_active=7`) as no
    filter at all, a number filter as a decimal (`?year=2020.5`), an empty or repeated
    parameter as absent: each answered 200 with a list the client did not ask for. Here each is
    a 400 naming the parameter, like any other wrong value.
    """

    def get_filterset(self, request, queryset, view):
        filterset = super().get_filterset(request, queryset, view)
        if filterset is not None:
            errors = {}
            for name, declared in filterset.filters.items():
                problem = _problem(declared, request.query_params.getlist(name))
                if problem:
                    errors[name] = [problem]
            if errors:
                # With the form's own errors on the other parameters, so the client hears of all at once.
                filterset.is_valid()
                raise ValidationError({name: list(messages) for name, messages in filterset.errors.items()} | errors)
        return filterset


def _problem(declared, values: list[str]) -> str | None:
    if not values:
        return None
    if len(values) > 1:
        return _("Give this parameter once.")
    value = values[0]
    if value == "":
        return _("Give a value, or leave the parameter out.")
    if isinstance(declared, django_filters.BooleanFilter) and value not in ("true", "false"):
        return _("Must be true or false.")
    if isinstance(declared, django_filters.NumberFilter) and not _WHOLE_NUMBER.fullmatch(value):
        return _("Must be a whole number.")
    return None


class TextField(serializers.CharField):
    """A text in a request body, which must be a string: DRF's CharField also takes 123 or 1.5 as "123"."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


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
