"""The REST API's shapes of progress reports, their readings and evidence, reviews and roll-ups."""

from __future__ import annotations

from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core.api import TextField
from core.people import display_name
from tasks.models import Visibility, WorkItem

from . import permissions
from .forms import ReviewForm
from .models import Evidence, ItemRollup, ProgressReport, TargetReading


class ReadingSerializer(serializers.ModelSerializer):
    class Meta:
        model = TargetReading
        fields = ["target", "value"]


class EvidenceSerializer(serializers.ModelSerializer):
    download = serializers.SerializerMethodField(help_text="The file, for a token or a session.")

    class Meta:
        model = Evidence
        fields = ["id", "original_name", "content_type", "size", "visibility", "uploaded_at", "download"]

    def get_download(self, evidence) -> str:
        return reverse("api:evidence-detail", args=[evidence.pk])


class ReportSerializer(serializers.ModelSerializer):
    """A report as the requesting user may see it: a 部门内 narrative they may not read is null and its
    部门内 evidence files are left out (progress.permissions.may_read); needs `request` in the context."""

    readings = ReadingSerializer(many=True, read_only=True)
    evidence = serializers.SerializerMethodField()
    narrative = serializers.SerializerMethodField(help_text="Null when the description is for the department "
                                                            "(visibility `department`) and the user may not read it.")
    reporter_name = serializers.SerializerMethodField()

    class Meta:
        model = ProgressReport
        fields = ["id", "item", "department", "role", "reporter", "reporter_name", "status", "percent", "narrative",
                  "checkpoint", "narrative_visibility", "state", "reviewer", "review_comment", "reviewed_at", "created_at",
                  "readings", "evidence"]

    def _user(self):
        request = self.context.get("request")
        return getattr(request, "user", None)

    def get_narrative(self, report) -> str | None:
        user = self._user()
        return report.narrative if user is not None and permissions.can_read_narrative(user, report) else None

    @extend_schema_field(EvidenceSerializer(many=True))
    def get_evidence(self, report):
        user = self._user()
        files = permissions.visible_evidence(user, report) if user is not None else []
        return EvidenceSerializer(files, many=True).data

    def get_reporter_name(self, report) -> str:
        return display_name(report.reporter)


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
    narrative = TextField(max_length=5000)
    readings = ReadingInputSerializer(many=True, required=False, default=list)
    checkpoint = serializers.IntegerField(min_value=1, required=False, allow_null=True,
                                          help_text="The checkpoint of the item that the report answers.")
    version = serializers.IntegerField(min_value=0, max_value=2**31 - 1)
    narrative_visibility = serializers.ChoiceField(choices=Visibility.choices, required=False,
                                                   help_text="Default: the plan's (`department` unless its admins chose).")
    evidence_visibility = serializers.ChoiceField(choices=Visibility.choices, required=False,
                                                  help_text="For every file of this report; default: the plan's.")
    evidence = serializers.ListField(child=serializers.FileField(), required=False, default=list,
                                     help_text="Evidence files (multipart/form-data only).")


class ReviewSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(choices=[ReviewForm.Decision.APPROVE, ReviewForm.Decision.RETURN])
    comment = TextField(max_length=2000, required=False, allow_blank=True, default="")


class ItemRollupSerializer(serializers.ModelSerializer):
    class Meta:
        model = ItemRollup
        fields = ["percent", "reported_percent", "targets_percent", "basis", "measured_by", "expected_percent", "light",
                  "is_done", "is_overdue", "reported_this_cycle", "targets_total", "targets_met", "unread_targets",
                  "placeholders", "computed_at"]
