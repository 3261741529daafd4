"""REST API of plans, sections, items, targets, reports, reviews, instructions and roll-ups.

Thin like the views: querysets come from the selectors, every "may this
user…" from `tasks.permissions` (the pages' own helpers), every write from
`tasks.services`, and a write's rules from the page forms, so the API cannot
accept what the pages refuse.
"""

from __future__ import annotations

import django_filters
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, Prefetch
from django.utils import timezone
from django.utils.datastructures import MultiValueDict
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.generics import get_object_or_404
from rest_framework.response import Response

from departments.models import Department, Membership
from departments.permissions import is_plan_admin
from unionplan.api import ERRORS, ID_PATTERN, IdFilter, form_errors

from . import dashboard as dashboard_reads
from . import permissions, selectors, services
from .evidence import evidence_response
from .forms import InstructionForm, InstructionReplyForm, ProgressReportForm, ReviewForm, TargetFillForm
from .models import (
    Evidence,
    Instruction,
    Light,
    ProgressReport,
    Responsibility,
    Section,
    Target,
    TargetReading,
    WorkItem,
    WorkPlan,
)
from .serializers import (
    InstructionCreateSerializer,
    InstructionReplySerializer,
    InstructionSerializer,
    PlanRollupSerializer,
    PlanSerializer,
    ReportSerializer,
    ReportSubmitSerializer,
    ReviewSerializer,
    SectionSerializer,
    TargetFillSerializer,
    TargetSerializer,
    WorkItemSerializer,
)


def _require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied


def _reference(queryset, pk, *, field: str):
    """An id in a request body that names nothing is the client's mistake on that field (400), not a 404."""
    try:
        return queryset.get(pk=pk)
    except queryset.model.DoesNotExist:
        raise ValidationError({field: [_("There is no such record (id %(id)s).") % {"id": pk}]})


class ReadOnly(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    lookup_value_regex = ID_PATTERN


# ---------------------------------------------------------------------------
# Plans and sections


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

    @extend_schema(responses={200: PlanRollupSerializer, **ERRORS})
    @action(detail=True)
    def rollup(self, request, pk=None):
        """The dashboard's figures: plan, six sections, departments (leadership and plan admins)."""
        _require(permissions.can_view_dashboard(request.user))
        plan = self.get_object()
        board = dashboard_reads.dashboard(plan=plan, today=timezone.localdate())
        return Response(PlanRollupSerializer(board).data)

    @extend_schema(request=None, responses={200: PlanSerializer, 409: OpenApiResponse(description="Set-up missing"),
                                            **ERRORS})
    @action(detail=True, methods=["post"])
    def publish(self, request, pk=None):
        """Publish a draft plan; refused with what is still missing (plan admins)."""
        _require(is_plan_admin(request.user))
        plan = self.get_object()
        try:
            services.plan_publish(plan=plan)
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
        _require(is_plan_admin(request.user))
        plan = services.plan_close(plan=self.get_object())
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


# ---------------------------------------------------------------------------
# Items and targets


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
        return selectors.item_detail_queryset().select_related("rollup")


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

    @extend_schema(request=TargetFillSerializer, responses={200: TargetSerializer, **ERRORS})
    @action(detail=True, methods=["post"])
    def fill(self, request, pk=None):
        """Give a placeholder target (待定) its value, or mark it as staying without one (plan admins)."""
        _require(is_plan_admin(request.user))
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


# ---------------------------------------------------------------------------
# Progress reports and their review


class ReportFilter(django_filters.FilterSet):
    plan = IdFilter(field_name="item__section__plan")
    to_review = django_filters.BooleanFilter(method="filter_to_review", label=_("Awaiting my review"))

    class Meta:
        model = ProgressReport
        fields = ["item", "department", "state", "plan", "reporter", "to_review"]

    def filter_to_review(self, queryset, name, value):
        if not value:
            return queryset
        heads = Membership.objects.filter(
            department=OuterRef("department"), user=self.request.user, role=Membership.Role.HEAD
        )
        return queryset.filter(Exists(heads), state=ProgressReport.State.SUBMITTED)


@extend_schema_view(list=extend_schema(responses={200: ReportSerializer(many=True), **ERRORS}),
                    retrieve=extend_schema(responses={200: ReportSerializer, **ERRORS}))
class ReportViewSet(ReadOnly):
    serializer_class = ReportSerializer
    filterset_class = ReportFilter
    ordering_fields = ["created_at", "reviewed_at", "percent"]
    ordering = ["-created_at", "-pk"]

    def get_queryset(self):
        return ProgressReport.objects.select_related("reporter").prefetch_related(
            Prefetch("readings", queryset=TargetReading.objects.order_by("target__order")), "evidence"
        )

    @extend_schema(
        request={"application/json": ReportSubmitSerializer, "multipart/form-data": ReportSubmitSerializer},
        responses={201: ReportSerializer, 409: OpenApiResponse(description="The item changed meanwhile"), **ERRORS},
    )
    def create(self, request):
        """Report a department's progress on an item, with the item's `version` the client last saw."""
        shape = ReportSubmitSerializer(data=request.data)
        shape.is_valid(raise_exception=True)
        data = shape.validated_data
        item = _reference(selectors.item_detail_queryset(), data["item"], field="item")
        departments = permissions.reporting_departments(request.user, item)
        _require(bool(departments))
        fields = {
            "department": data.get("department") or "",
            "status": data["status"],
            "percent": data["percent"],
            "narrative": data["narrative"],
            "version": data["version"],
        }
        targets = {target.pk for target in item.targets.all()}
        for reading in data["readings"]:
            if reading["target"] not in targets:
                raise ValidationError({"readings": [_("Target %(id)s is not a target of this item.")
                                                    % {"id": reading["target"]}]})
            fields[f"target_{reading['target']}"] = "" if reading["value"] is None else reading["value"]
        files = MultiValueDict({"evidence": list(request.FILES.getlist("evidence"))})
        form = ProgressReportForm(
            fields, files, item=item, departments=Department.objects.filter(pk__in=[d.pk for d in departments])
        )
        if not form.is_valid():
            raise ValidationError(form_errors(form, rename={f"target_{pk}": "readings" for pk in targets}))
        cleaned = form.cleaned_data
        report = services.report_submit(
            item=item, department=cleaned["department"], reporter=request.user, status=cleaned["status"],
            percent=cleaned["percent"], narrative=cleaned["narrative"], readings=form.readings(),
            evidence=cleaned["evidence"], base_version=cleaned["version"],
        )
        return Response(ReportSerializer(self.get_queryset().get(pk=report.pk)).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=ReviewSerializer,
                   responses={200: ReportSerializer, 409: OpenApiResponse(description="Already reviewed"), **ERRORS})
    @action(detail=True, methods=["post"])
    def review(self, request, pk=None):
        """Approve a report, or return it with a comment (the department's heads, plan admins)."""
        report = get_object_or_404(ProgressReport.objects.select_related("item__section__plan", "department__head_group"), pk=pk)
        _require(permissions.can_review(request.user, report))
        shape = ReviewSerializer(data=request.data)
        shape.is_valid(raise_exception=True)
        form = ReviewForm(shape.validated_data)
        if not form.is_valid():
            raise ValidationError(form_errors(form))
        decide = (services.report_approve if form.cleaned_data["decision"] == ReviewForm.Decision.APPROVE
                  else services.report_return)
        decide(report=report, reviewer=request.user, comment=form.cleaned_data["comment"])
        return Response(ReportSerializer(self.get_queryset().get(pk=report.pk)).data)


class EvidenceViewSet(viewsets.GenericViewSet):
    lookup_value_regex = ID_PATTERN
    queryset = Evidence.objects.none()  # for the schema; the file is loaded through the selector

    @extend_schema(responses={(200, "*/*"): OpenApiTypes.BINARY,
                              406: OpenApiResponse(description="Accept must allow JSON (for errors) or */*"),
                              **ERRORS})
    def retrieve(self, request, pk=None):
        """An evidence file of a report, as a download (whoever may see the plan)."""
        try:
            evidence = selectors.evidence_file(evidence_id=pk)
        except (Evidence.DoesNotExist, ValueError):
            raise NotFound
        _require(permissions.can_download_evidence(request.user, evidence))
        return evidence_response(evidence)


# ---------------------------------------------------------------------------
# Leadership instructions


class InstructionFilter(django_filters.FilterSet):
    plan = IdFilter(field_name="item__section__plan")
    open = django_filters.BooleanFilter(field_name="handled_at", lookup_expr="isnull", label=_("Not answered yet"))

    class Meta:
        model = Instruction
        fields = ["item", "plan", "open"]


@extend_schema_view(list=extend_schema(responses={200: InstructionSerializer(many=True), **ERRORS}),
                    retrieve=extend_schema(responses={200: InstructionSerializer, **ERRORS}))
class InstructionViewSet(ReadOnly):
    serializer_class = InstructionSerializer
    filterset_class = InstructionFilter
    ordering_fields = ["created_at"]
    ordering = ["-created_at", "-pk"]
    queryset = Instruction.objects.select_related("author")

    @extend_schema(request=InstructionCreateSerializer, responses={201: InstructionSerializer, **ERRORS})
    def create(self, request):
        """A leader's instruction (批示) on an item (leadership)."""
        shape = InstructionCreateSerializer(data=request.data)
        shape.is_valid(raise_exception=True)
        item = _reference(WorkItem.objects.select_related("section__plan"), shape.validated_data["item"], field="item")
        _require(permissions.can_instruct(request.user, item))
        form = InstructionForm({"text": shape.validated_data["text"]})
        if not form.is_valid():
            raise ValidationError(form_errors(form))
        instruction = services.instruction_create(item=item, author=request.user, text=form.cleaned_data["text"])
        return Response(InstructionSerializer(instruction).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=InstructionReplySerializer,
                   responses={200: InstructionSerializer, 409: OpenApiResponse(description="Already answered"),
                              **ERRORS})
    @action(detail=True, methods=["post"])
    def reply(self, request, pk=None):
        """Answer an instruction for the responsible department (its people, plan admins)."""
        instruction = get_object_or_404(Instruction.objects.select_related("item__section__plan", "author"), pk=pk)
        _require(permissions.can_handle_instruction(request.user, instruction))
        shape = InstructionReplySerializer(data=request.data)
        shape.is_valid(raise_exception=True)
        form = InstructionReplyForm(shape.validated_data)
        if not form.is_valid():
            raise ValidationError(form_errors(form))
        instruction = services.instruction_handle(instruction=instruction, user=request.user,
                                                  reply=form.cleaned_data["reply"])
        return Response(InstructionSerializer(instruction).data)

