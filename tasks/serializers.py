"""The REST API's shapes of plans, items, targets, reports and instructions.

Reads are plain model serializers over the selectors' querysets. Writes only
check the shape here; the rules (what a department may report, what a value
may be) stay in the page forms and the services, which the API calls.
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from django.urls import reverse
from rest_framework import serializers

from .forms import ReviewForm
from .models import (
    Evidence,
    Instruction,
    ItemRollup,
    PlanRollup,
    ProgressReport,
    Responsibility,
    Section,
    SectionRollup,
    Target,
    TargetReading,
    WorkItem,
    WorkPlan,
)


class PlanSerializer(serializers.ModelSerializer):
    class Meta:
        model = WorkPlan
        fields = ["id", "organization", "year", "title", "status", "review_required", "reporting_day", "created_at",
                  "updated_at"]


class SectionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Section
        fields = ["id", "plan", "number", "numeral", "title", "intro"]


class ResponsibilitySerializer(serializers.ModelSerializer):
    department_name = serializers.CharField(source="department.name", read_only=True)

    class Meta:
        model = Responsibility
        fields = ["department", "department_name", "role"]


class TargetSerializer(serializers.ModelSerializer):
    is_placeholder = serializers.BooleanField(read_only=True)

    class Meta:
        model = Target
        fields = ["id", "item", "order", "phrase", "subject", "kind", "unit", "target_value", "level", "due_date",
                  "current_value", "no_number", "is_placeholder"]
        read_only_fields = [f for f in fields if f not in ("target_value", "no_number")]


class TargetFillSerializer(serializers.Serializer):
    """An admin gives a placeholder target (待定) its value, or says it stays without one."""

    target_value = serializers.DecimalField(max_digits=14, decimal_places=2, required=False, allow_null=True)
    no_number = serializers.BooleanField(required=False, default=False)


class ItemRollupSerializer(serializers.ModelSerializer):
    class Meta:
        model = ItemRollup
        fields = ["percent", "expected_percent", "light", "is_done", "is_overdue", "reported_this_cycle",
                  "targets_total", "targets_met", "placeholders", "computed_at"]


class WorkItemSerializer(serializers.ModelSerializer):
    plan = serializers.IntegerField(source="section.plan_id", read_only=True)
    responsibilities = ResponsibilitySerializer(many=True, read_only=True)
    targets = TargetSerializer(many=True, read_only=True)
    rollup = serializers.SerializerMethodField()

    class Meta:
        model = WorkItem
        fields = ["id", "plan", "section", "number", "title", "subheading", "body", "due_date", "status",
                  "progress_percent", "last_report_at", "version", "responsibilities", "targets", "rollup"]

    @extend_schema_field(ItemRollupSerializer(allow_null=True))
    def get_rollup(self, item):
        try:
            return ItemRollupSerializer(item.rollup).data
        except ItemRollup.DoesNotExist:
            return None


class ReadingSerializer(serializers.ModelSerializer):
    class Meta:
        model = TargetReading
        fields = ["target", "value"]


class EvidenceSerializer(serializers.ModelSerializer):
    download = serializers.SerializerMethodField(help_text="The file, for a token or a session.")

    class Meta:
        model = Evidence
        fields = ["id", "original_name", "content_type", "size", "uploaded_at", "download"]

    def get_download(self, evidence) -> str:
        return reverse("api:evidence-detail", args=[evidence.pk])


class ReportSerializer(serializers.ModelSerializer):
    readings = ReadingSerializer(many=True, read_only=True)
    evidence = EvidenceSerializer(many=True, read_only=True)
    reporter_name = serializers.SerializerMethodField()

    class Meta:
        model = ProgressReport
        fields = ["id", "item", "department", "role", "reporter", "reporter_name", "status", "percent", "narrative",
                  "state", "reviewer", "review_comment", "reviewed_at", "created_at", "readings", "evidence"]

    def get_reporter_name(self, report) -> str:
        return report.reporter.get_full_name() or report.reporter.username


class ReadingInputSerializer(serializers.Serializer):
    target = serializers.IntegerField(min_value=1)
    value = serializers.DecimalField(max_digits=14, decimal_places=2, allow_null=True)


class ReportSubmitSerializer(serializers.Serializer):
    """A department's progress report; `version` is the item's version the client last saw."""

    item = serializers.IntegerField(min_value=1)
    department = serializers.IntegerField(min_value=1, required=False, allow_null=True,
                                          help_text="Needed only when the user may report for several departments.")
    status = serializers.ChoiceField(choices=WorkItem.Status.choices)
    percent = serializers.IntegerField(min_value=0, max_value=100)
    narrative = serializers.CharField(max_length=5000)
    readings = ReadingInputSerializer(many=True, required=False, default=list)
    version = serializers.IntegerField(min_value=0, max_value=2**31 - 1)
    evidence = serializers.ListField(child=serializers.FileField(), required=False, default=list,
                                     help_text="Evidence files (multipart/form-data only).")


class ReviewSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(choices=[ReviewForm.Decision.APPROVE, ReviewForm.Decision.RETURN])
    comment = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class InstructionSerializer(serializers.ModelSerializer):
    author_name = serializers.SerializerMethodField()
    is_open = serializers.BooleanField(read_only=True)

    class Meta:
        model = Instruction
        fields = ["id", "item", "author", "author_name", "text", "created_at", "is_open", "handled_by", "handled_at",
                  "reply"]
        read_only_fields = ["author", "created_at", "handled_by", "handled_at", "reply"]

    def get_author_name(self, instruction) -> str:
        return instruction.author.get_full_name() or instruction.author.username


class InstructionCreateSerializer(serializers.Serializer):
    item = serializers.IntegerField(min_value=1)
    text = serializers.CharField(max_length=2000)


class InstructionReplySerializer(serializers.Serializer):
    reply = serializers.CharField(max_length=2000)


class GroupRollupFields(serializers.ModelSerializer):
    class Meta:
        fields = ["percent", "expected_percent", "light", "items_green", "items_yellow", "items_red", "items_done",
                  "targets_total", "targets_met", "placeholders", "computed_at"]


class SectionRollupSerializer(GroupRollupFields):
    section = serializers.IntegerField(source="section_id")
    number = serializers.IntegerField(source="section.number")
    title = serializers.CharField(source="section.title")

    class Meta(GroupRollupFields.Meta):
        model = SectionRollup
        fields = ["section", "number", "title"] + GroupRollupFields.Meta.fields


class PlanRollupFields(GroupRollupFields):
    class Meta(GroupRollupFields.Meta):
        model = PlanRollup


class DepartmentRowSerializer(serializers.Serializer):
    department = serializers.IntegerField(source="department.pk")
    name = serializers.CharField(source="department.name")
    items = serializers.IntegerField()
    red = serializers.IntegerField()
    overdue = serializers.IntegerField()
    done = serializers.IntegerField()
    last_report = serializers.DateTimeField(allow_null=True)


class PlanRollupSerializer(serializers.Serializer):
    """The dashboard's figures: the plan, its sections in document order, the departments."""

    plan = serializers.IntegerField(source="plan.pk")
    rollup = PlanRollupFields(allow_null=True)
    sections = serializers.SerializerMethodField()
    departments = DepartmentRowSerializer(many=True)
    days_left = serializers.IntegerField()

    @extend_schema_field(SectionRollupSerializer(many=True))
    def get_sections(self, dashboard):
        return [SectionRollupSerializer(card.rollup).data for card in dashboard.cards if card.rollup is not None]

