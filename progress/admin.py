from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import Evidence, ProgressReport, TargetReading


class TargetReadingInline(admin.TabularInline):
    model = TargetReading
    extra = 0
    autocomplete_fields = ["target"]


class EvidenceInline(admin.TabularInline):
    model = Evidence
    extra = 0
    readonly_fields = ["original_name", "content_type", "size", "uploaded_at"]
    fields = ["original_name", "content_type", "size", "uploaded_at"]
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(ProgressReport)
class ProgressReportAdmin(SimpleHistoryAdmin):
    list_display = ["item", "department", "role", "reporter", "status", "percent", "state", "created_at"]
    list_filter = ["state", "status", "role", "department", "item__section__plan"]
    search_fields = ["item__title", "narrative", "reporter__username", "reporter__first_name"]
    list_select_related = ["item", "department", "reporter"]
    autocomplete_fields = ["item", "reporter", "reviewer"]
    inlines = [TargetReadingInline, EvidenceInline]
    date_hierarchy = "created_at"
