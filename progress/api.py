"""REST API of progress reports, their review and evidence files.

Thin like the views: every "may this user…" from `progress.permissions`, every
write from `progress.services`, a write's rules from the page forms.
"""

from __future__ import annotations

import django_filters
from django.db.models import Prefetch
from django.utils.datastructures import MultiValueDict
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.generics import get_object_or_404
from rest_framework.response import Response

from core.api import ERRORS, ID_PATTERN, IdFilter, form_errors, reference, require
from core.api_viewsets import ReadOnly
from departments.models import Department
from tasks import selectors as plan_selectors

from . import permissions, selectors, services
from .evidence import evidence_response
from .forms import ProgressReportForm, ReviewForm
from .models import Evidence, ProgressReport, TargetReading
from .serializers import ReportSerializer, ReportSubmitSerializer, ReviewSerializer


class ReportFilter(django_filters.FilterSet):
    plan = IdFilter(field_name="item__section__plan")
    to_review = django_filters.BooleanFilter(method="filter_to_review", label=_("Awaiting my review"))

    class Meta:
        model = ProgressReport
        fields = ["item", "department", "state", "plan", "reporter", "to_review"]

    def filter_to_review(self, queryset, name, value):
        if not value:
            return queryset
        user = self.request.user
        return queryset.filter(
            selectors.awaiting_review_by(user=user, as_plan_admin=permissions.reviews_when_no_head_may(user))
        )


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
        item = reference(plan_selectors.item_detail_queryset(), data["item"], field="item")
        departments = permissions.reporting_departments(request.user, item)
        require(bool(departments))
        fields = {
            "department": data.get("department") or "",
            "status": data["status"],
            "percent": data["percent"],
            "narrative": data["narrative"],
            "version": data["version"],
            "checkpoint": data.get("checkpoint") or "",
            "narrative_visibility": data.get("narrative_visibility") or "",
            "evidence_visibility": data.get("evidence_visibility") or "",
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
            evidence=cleaned["evidence"], base_version=cleaned["version"], checkpoint=cleaned["checkpoint"],
            narrative_visibility=cleaned["narrative_visibility"], evidence_visibility=cleaned["evidence_visibility"],
        )
        return Response(ReportSerializer(self.get_queryset().get(pk=report.pk), context={"request": request}).data,
                        status=status.HTTP_201_CREATED)

    @extend_schema(request=ReviewSerializer,
                   responses={200: ReportSerializer, 409: OpenApiResponse(description="Already reviewed"), **ERRORS})
    @action(detail=True, methods=["post"])
    def review(self, request, pk=None):
        """Approve a report, or return it with a comment (the department's heads, plan admins; never its reporter)."""
        report = get_object_or_404(ProgressReport.objects.select_related("item__section__plan", "department__head_group"), pk=pk)
        # A reviewer who comes second learns who was first (409, from the service), as the schema says.
        require(permissions.is_reviewer_of(request.user, report))
        shape = ReviewSerializer(data=request.data)
        shape.is_valid(raise_exception=True)
        form = ReviewForm(shape.validated_data)
        if not form.is_valid():
            raise ValidationError(form_errors(form))
        decide = (services.report_approve if form.cleaned_data["decision"] == ReviewForm.Decision.APPROVE
                  else services.report_return)
        decide(report=report, reviewer=request.user, comment=form.cleaned_data["comment"])
        return Response(ReportSerializer(self.get_queryset().get(pk=report.pk), context={"request": request}).data)


class EvidenceViewSet(viewsets.GenericViewSet):
    lookup_value_regex = ID_PATTERN
    queryset = Evidence.objects.none()  # for the schema; the file is loaded through the selector

    @extend_schema(responses={(200, "*/*"): OpenApiTypes.BINARY,
                              406: OpenApiResponse(description="Accept must allow JSON (for errors) or */*"),
                              **ERRORS})
    def retrieve(self, request, pk=None):
        """An evidence file of a report, as a download: 计划内 files for whoever sees the plan, 部门内 files for
        the reporting department, its reviewers, the supervision office and leadership."""
        try:
            evidence = selectors.evidence_file(evidence_id=pk)
        except (Evidence.DoesNotExist, ValueError):
            raise NotFound
        require(permissions.can_download_evidence(request.user, evidence))
        services.evidence_download_record(evidence=evidence, user=request.user, request=request)
        return evidence_response(evidence)
