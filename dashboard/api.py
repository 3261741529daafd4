"""REST API of the dashboard's reads: items with their roll-up and light, and a plan's figures."""

from __future__ import annotations

import django_filters
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework.generics import GenericAPIView, get_object_or_404
from rest_framework.response import Response

from core.api import ERRORS, IdFilter, require
from core.api_viewsets import ReadOnly
from progress.models import Light
from tasks import selectors as plan_selectors
from tasks.models import Responsibility, WorkItem, WorkPlan

from . import permissions, selectors
from .serializers import PlanRollupSerializer, WorkItemSerializer


class ItemFilter(django_filters.FilterSet):
    plan = IdFilter(field_name="section__plan")
    department = IdFilter(method="filter_department", label=_("Responsible department"))
    light = django_filters.ChoiceFilter(field_name="rollup__light", choices=Light.choices)
    overdue = django_filters.BooleanFilter(field_name="rollup__is_overdue")
    due_before = django_filters.DateFilter(field_name="due_date", lookup_expr="lte")
    due_after = django_filters.DateFilter(field_name="due_date", lookup_expr="gte")

    class Meta:
        model = WorkItem
        fields = ["plan", "section", "status", "department", "light", "overdue"]

    def filter_department(self, queryset, name, value):
        # EXISTS, not a join: an item with two departments must not come twice.
        return queryset.filter(Exists(Responsibility.objects.filter(item=OuterRef("pk"), department_id=value)))


@extend_schema_view(list=extend_schema(responses={200: WorkItemSerializer(many=True), **ERRORS}),
                    retrieve=extend_schema(responses={200: WorkItemSerializer, **ERRORS}))
class WorkItemViewSet(ReadOnly):
    serializer_class = WorkItemSerializer
    filterset_class = ItemFilter
    search_fields = ["title", "body"]
    ordering_fields = ["number", "due_date", "progress_percent", "last_report_at"]
    ordering = ["section__plan", "section__number", "number"]

    def get_queryset(self):
        return plan_selectors.item_detail_queryset().select_related("rollup")


class PlanRollupView(GenericAPIView):
    """The dashboard's figures: plan, six sections, departments (leadership and plan admins)."""

    queryset = WorkPlan.objects.all()
    lookup_url_kwarg = "pk"

    @extend_schema(responses={200: PlanRollupSerializer, **ERRORS})
    def get(self, request, pk=None):
        require(permissions.can_view_dashboard(request.user))
        plan = get_object_or_404(WorkPlan, pk=pk)
        board = selectors.dashboard(plan=plan, today=timezone.localdate())
        return Response(PlanRollupSerializer(board).data)
