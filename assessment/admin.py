from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import DepartmentScore, ManualScore, Part, Scheme, SelfAssessment


class RecordAdmin(SimpleHistoryAdmin):
    """Self-assessments and scores are records: read (with their history) in the admin, changed on the portal's
    pages, where the rules hold (a sent 自评, a signed score)."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class PartInline(admin.TabularInline):
    model = Part
    extra = 0


@admin.register(Scheme)
class SchemeAdmin(SimpleHistoryAdmin):
    """The rules are edited on the plan's scoring-rules page (it checks the parts add up); here they are read."""

    list_display = ["plan", "total", "opens_on", "due_on", "results_visible"]
    inlines = [PartInline]

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(SelfAssessment)
class SelfAssessmentAdmin(RecordAdmin):
    list_display = ["department", "scheme", "state", "sent_by", "sent_at"]
    list_filter = ["state", "scheme__plan"]
    list_select_related = ["department", "scheme__plan", "sent_by"]


@admin.register(DepartmentScore)
class DepartmentScoreAdmin(RecordAdmin):
    list_display = ["department", "scheme", "state", "total", "adjustment", "signed_by", "signed_at"]
    list_filter = ["state", "scheme__plan"]
    list_select_related = ["department", "scheme__plan", "signed_by"]


@admin.register(ManualScore)
class ManualScoreAdmin(RecordAdmin):
    list_display = ["department", "part", "points", "reason", "given_by", "given_at"]
    list_filter = ["scheme__plan"]
    list_select_related = ["department", "part", "given_by"]
