from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .models import Responsibility, Section, Target, WorkItem, WorkPlan


class SectionInline(admin.TabularInline):
    model = Section
    extra = 0
    fields = ["number", "numeral", "title"]


@admin.register(WorkPlan)
class WorkPlanAdmin(admin.ModelAdmin):
    list_display = ["title", "organization", "year", "status", "updated_at"]
    list_filter = ["status", "year", "organization"]
    search_fields = ["title", "organization"]
    readonly_fields = ["source_name", "source_text", "created_at", "updated_at"]
    inlines = [SectionInline]


@admin.register(Section)
class SectionAdmin(admin.ModelAdmin):
    list_display = ["__str__", "plan", "number"]
    list_filter = ["plan"]
    search_fields = ["title"]
    list_select_related = ["plan"]


class ResponsibilityInline(admin.TabularInline):
    model = Responsibility
    extra = 0
    autocomplete_fields = ["department"]


class TargetInline(admin.StackedInline):
    model = Target
    extra = 0
    fields = [("subject", "kind", "level"), ("target_value", "unit", "current_value", "due_date"), "phrase", "order"]


@admin.register(WorkItem)
class WorkItemAdmin(admin.ModelAdmin):
    list_display = ["number", "title", "section", "lead_department", "due_date", "status"]
    list_display_links = ["number", "title"]
    list_filter = ["section__plan", "status", "section", "responsibilities__department"]
    search_fields = ["title", "body"]
    list_select_related = ["section"]
    inlines = [ResponsibilityInline, TargetInline]

    def get_queryset(self, request):
        from django.db.models import Prefetch

        return (
            super()
            .get_queryset(request)
            .prefetch_related(
                Prefetch(
                    "responsibilities",
                    queryset=Responsibility.objects.filter(role=Responsibility.Role.LEAD).select_related("department"),
                    to_attr="lead_responsibilities",
                )
            )
        )

    @admin.display(description=_("lead department"))
    def lead_department(self, obj):
        leads = getattr(obj, "lead_responsibilities", [])
        return leads[0].department if leads else "—"


@admin.register(Target)
class TargetAdmin(admin.ModelAdmin):
    list_display = ["subject", "item", "kind", "level", "target_value", "unit", "current_value", "due_date"]
    list_filter = ["kind", "level", "item__section__plan"]
    search_fields = ["subject", "phrase"]
    list_select_related = ["item"]
    list_editable = ["target_value", "current_value", "due_date"]


@admin.register(Responsibility)
class ResponsibilityAdmin(admin.ModelAdmin):
    list_display = ["item", "department", "role", "order"]
    list_filter = ["role", "department"]
    list_select_related = ["item", "department"]
    search_fields = ["item__title", "department__name"]
