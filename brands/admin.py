from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from .models import Brand, Milestone, MilestoneReport


class MilestoneInline(admin.TabularInline):
    model = Milestone
    extra = 0
    fields = ["order", "title", "due_date", "status", "percent", "last_report_at"]
    readonly_fields = ["last_report_at"]


@admin.register(Brand)
class BrandAdmin(SimpleHistoryAdmin):
    list_display = ["name", "plan", "item", "owner", "level", "target_level", "start_date", "target_date"]
    list_display_links = ["name"]
    list_filter = ["plan", "level", "target_level", "owner"]
    search_fields = ["name", "description"]
    list_select_related = ["plan", "item", "owner"]
    autocomplete_fields = ["item", "owner", "related_items"]
    filter_horizontal = ["supporting_departments"]
    inlines = [MilestoneInline]
    fieldsets = [
        (None, {"fields": ["plan", "item", "name", "order", "description"]}),
        (_("Departments"), {"fields": ["owner", "supporting_departments"]}),
        (_("Road to the target level"), {"fields": [("level", "target_level"), ("start_date", "target_date"), "criteria"]}),
        (_("Related work items"), {"fields": ["related_items"]}),
    ]


class MilestoneReportInline(admin.TabularInline):
    model = MilestoneReport
    extra = 0
    can_delete = False
    fields = ["report", "status", "percent"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        # A milestone report is made through the report form, reviewed like any progress report.
        return False


@admin.register(Milestone)
class MilestoneAdmin(SimpleHistoryAdmin):
    list_display = ["title", "brand", "due_date", "status", "percent", "last_report_at"]
    list_filter = ["brand__plan", "brand", "status"]
    search_fields = ["title", "brand__name"]
    list_select_related = ["brand"]
    readonly_fields = ["last_report_at"]
    inlines = [MilestoneReportInline]
