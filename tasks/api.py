"""REST API of plans, sections and targets, with the plan admins' publish, close and fill.

Thin like the views: querysets from the selectors, every "may this user…" from
`tasks.permissions`, every write from `tasks.services`, and a write's rules from
the page forms, so the API cannot accept what the pages refuse.
"""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.generics import get_object_or_404
from rest_framework.response import Response

from core.api import ERRORS, IdFilter, form_errors, require
from core.api_viewsets import ReadOnly

from . import permissions, services
from .forms import TargetFillForm
from .models import Section, Target, WorkPlan
from .serializers import (
    PlanSerializer,
    SectionSerializer,
    TargetFillSerializer,
    TargetSerializer,
)


class PlanFilter(django_filters.FilterSet):
    class Meta:
        model = WorkPlan
        fields = ["year", "status", "organization"]


@extend_schema_view(list=extend_schema(responses={200: PlanSerializer(many=True), **ERRORS}),
                    retrieve=extend_schema(responses={200: PlanSerializer, **ERRORS}))
class PlanViewSet(ReadOnly):
    serializer_class = PlanSerializer
    filterset_class = PlanFilter
    ordering_fields = ["year", "organization"]
    ordering = ["-year", "organization"]
    queryset = WorkPlan.objects.all()

    @extend_schema(request=None, responses={
        200: PlanSerializer, 409: OpenApiResponse(description="Set-up missing, or the plan is closed"), **ERRORS})
    @action(detail=True, methods=["post"])
    def publish(self, request, pk=None):
        """Publish a draft plan; refused with what is still missing (plan admins)."""
        require(permissions.can_manage_plans(request.user))
        plan = self.get_object()
        try:
            services.plan_publish(plan=plan, actor=request.user)
        except services.PlanNotReady as refused:
            return Response(
                {"detail": str(refused),
                 "placeholder_targets": [t.pk for t in refused.problems.placeholder_targets]},
                status=status.HTTP_409_CONFLICT,
            )
        return Response(PlanSerializer(plan).data)

    @extend_schema(request=None, responses={200: PlanSerializer, **ERRORS})
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        """Close a plan: read-only from then on, history kept (plan admins)."""
        require(permissions.can_manage_plans(request.user))
        plan = services.plan_close(plan=self.get_object(), actor=request.user)
        return Response(PlanSerializer(plan).data)


class SectionFilter(django_filters.FilterSet):
    class Meta:
        model = Section
        fields = ["plan"]


@extend_schema_view(list=extend_schema(responses={200: SectionSerializer(many=True), **ERRORS}),
                    retrieve=extend_schema(responses={200: SectionSerializer, **ERRORS}))
class SectionViewSet(ReadOnly):
    serializer_class = SectionSerializer
    filterset_class = SectionFilter
    ordering_fields = ["number"]
    ordering = ["plan", "number"]
    queryset = Section.objects.all()


class TargetFilter(django_filters.FilterSet):
    plan = IdFilter(field_name="item__section__plan")
    placeholder = django_filters.BooleanFilter(method="filter_placeholder", label=_("Still to be set (待定)"))

    class Meta:
        model = Target
        fields = ["item", "plan", "kind", "placeholder"]

    def filter_placeholder(self, queryset, name, value):
        return queryset.filter(Target.to_be_set()) if value else queryset.exclude(Target.to_be_set())


@extend_schema_view(list=extend_schema(responses={200: TargetSerializer(many=True), **ERRORS}),
                    retrieve=extend_schema(responses={200: TargetSerializer, **ERRORS}))
class TargetViewSet(ReadOnly):
    serializer_class = TargetSerializer
    filterset_class = TargetFilter
    ordering_fields = ["order", "due_date"]
    ordering = ["item__section__plan", "item__section__number", "item__number", "order"]
    queryset = Target.objects.all()

    @extend_schema(request=TargetFillSerializer,
                   responses={200: TargetSerializer, 409: OpenApiResponse(description="The plan is closed"), **ERRORS})
    @action(detail=True, methods=["post"])
    def fill(self, request, pk=None):
        """Give a placeholder target (待定) its value, or mark it as staying without one (plan admins)."""
        require(permissions.can_manage_plans(request.user))
        target = get_object_or_404(Target.objects.select_related("item__section__plan"), pk=pk)
        shape = TargetFillSerializer(data=request.data)
        shape.is_valid(raise_exception=True)
        form = TargetFillForm(
            {"value": shape.validated_data.get("target_value"), "no_number": shape.validated_data["no_number"]},
            target=target,
        )
        if not form.is_valid():
            raise ValidationError(form_errors(form, rename={"value": "target_value"}))
        services.target_fill(target=target, value=form.cleaned_data["value"], no_number=form.cleaned_data["no_number"])
        return Response(TargetSerializer(target).data)
