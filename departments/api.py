"""Departments in the REST API: read-only (admins manage them in 设置 and the admin)."""

import django_filters
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, viewsets

from core.api import ERRORS, ID_PATTERN

from . import selectors
from .models import Department


class DepartmentSerializer(serializers.ModelSerializer):
    aliases = serializers.SlugRelatedField(many=True, read_only=True, slug_field="name")

    class Meta:
        model = Department
        fields = ["id", "name", "parent", "order", "is_active", "aliases"]


class DepartmentFilter(django_filters.FilterSet):
    class Meta:
        model = Department
        fields = ["is_active", "parent"]


@extend_schema_view(list=extend_schema(responses={200: DepartmentSerializer(many=True), **ERRORS}),
                    retrieve=extend_schema(responses={200: DepartmentSerializer, **ERRORS}))
class DepartmentViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = DepartmentSerializer
    filterset_class = DepartmentFilter
    search_fields = ["name", "aliases__name"]
    ordering_fields = ["order", "name"]
    ordering = ["order", "name"]
    lookup_value_regex = ID_PATTERN

    def get_queryset(self):
        return selectors.department_list().prefetch_related("aliases")
