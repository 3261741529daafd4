"""The REST API's shapes of the dashboard's reads: items with their roll-up."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from progress.models import ItemRollup, PlanRollup, SectionRollup
from progress.serializers import ItemRollupSerializer
from tasks.models import WorkItem
from tasks.serializers import ResponsibilitySerializer, TargetSerializer


class WorkItemSerializer(serializers.ModelSerializer):
    plan = serializers.IntegerField(source="section.plan_id", read_only=True)
    responsibilities = ResponsibilitySerializer(many=True, read_only=True)
    targets = TargetSerializer(many=True, read_only=True)
    official_percent = serializers.SerializerMethodField(
        help_text="The item's official progress, the figure every page shows; null before the first roll-up.")
    rollup = serializers.SerializerMethodField()

    class Meta:
        model = WorkItem
        fields = ["id", "plan", "section", "number", "title", "subheading", "body", "due_date", "deadline_text",
                  "responsible_leader", "status", "official_percent", "progress_percent", "last_report_at", "version",
                  "responsibilities", "targets", "rollup"]
        extra_kwargs = {"progress_percent": {"help_text": "The lead department's latest approved report (the reported "
                                                          "part): one part of the official progress."}}

    @extend_schema_field(serializers.DecimalField(max_digits=5, decimal_places=1, allow_null=True))
    def get_official_percent(self, item):
        try:
            return str(item.rollup.percent)
        except ItemRollup.DoesNotExist:
            return None

    @extend_schema_field(ItemRollupSerializer(allow_null=True))
    def get_rollup(self, item):
        try:
            return ItemRollupSerializer(item.rollup).data
        except ItemRollup.DoesNotExist:
            return None


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
