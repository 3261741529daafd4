from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import Chase, CompletionCheck, Extension, Instruction, SummaryReport, SummaryRequirement


@admin.register(Instruction)
class InstructionAdmin(SimpleHistoryAdmin):
    list_display = ["text", "item", "author", "created_at", "due_date", "state", "closed_at"]
    list_filter = ["state", "item__section__plan"]
    search_fields = ["text", "reply", "item__title"]
    list_select_related = ["item", "author"]
    autocomplete_fields = ["item", "author", "handled_by", "closed_by"]


class RecordAdmin(admin.ModelAdmin):
    """What the 督办 loop wrote is a record: read in the admin, changed only through the portal's pages."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Chase)
class ChaseAdmin(RecordAdmin):
    list_display = ["created_at", "plan", "item", "section", "created_by", "reply_by"]
    list_filter = ["plan"]
    search_fields = ["message"]
    list_select_related = ["plan", "item", "section", "created_by"]


@admin.register(Extension)
class ExtensionAdmin(RecordAdmin):
    list_display = ["item", "department", "current_due", "new_due", "state", "created_at"]
    list_filter = ["state", "item__section__plan"]
    list_select_related = ["item", "department"]


@admin.register(CompletionCheck)
class CompletionCheckAdmin(RecordAdmin):
    list_display = ["item", "decision", "decided_by", "decided_at"]
    list_filter = ["decision", "item__section__plan"]
    list_select_related = ["item", "decided_by"]


@admin.register(SummaryRequirement)
class SummaryRequirementAdmin(admin.ModelAdmin):
    """The summary reports a plan asks for (半年总结, 年终总结 by default): names and dates are the admin's."""

    list_display = ["name", "plan", "due_date"]
    list_filter = ["plan"]


@admin.register(SummaryReport)
class SummaryReportAdmin(RecordAdmin):
    list_display = ["requirement", "department", "author", "created_at"]
    list_filter = ["requirement__plan", "requirement"]
    list_select_related = ["requirement", "department", "author"]
