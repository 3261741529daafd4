"""The REST API's shapes of plans, sections, responsibilities and targets.

Reads are plain model serializers over the selectors' querysets. Writes only
check the shape here; the rules stay in the page forms and the services.
"""

from __future__ import annotations

from rest_framework import serializers

from .models import Responsibility, Section, Target, WorkPlan


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
