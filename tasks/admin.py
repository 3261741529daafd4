from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from . import permissions, signals
from .models import Checkpoint, Responsibility, Section, Target, WorkItem, WorkPlan


class SectionInline(admin.TabularInline):
    model = Section
    extra = 0
    fields = ["number", "numeral", "title"]


@admin.register(WorkPlan)
class WorkPlanAdmin(admin.ModelAdmin):
    list_display = ["title", "organization", "year", "status", "review_required", "updated_at"]
    list_filter = ["status", "year", "organization"]
    search_fields = ["title", "organization"]
    # A plan is published, closed and reopened on its own pages, which check it first and audit who did it.
    readonly_fields = ["status", "source_name", "source_excerpt", "created_at", "updated_at"]
    exclude = ["source_text"]
    inlines = [SectionInline]

    # A plan's source can run to millions of characters: the page shows its start, never all of it.
    SOURCE_EXCERPT = 2_000

    @admin.display(description=_("source text"))
    def source_excerpt(self, plan: WorkPlan) -> str:
        start, length = getattr(plan, "source_start", ""), getattr(plan, "source_length", 0) or 0
        if length <= self.SOURCE_EXCERPT:
            return start
        return _("%(start)s… (%(count)s characters in all; the document itself is the reference)") % {
            "start": start, "count": f"{length:,}"}

    def get_queryset(self, request):
        # Neither the list nor the form loads the whole source text: its start and its length come from SQL.
        from django.db.models.functions import Left, Length

        return super().get_queryset(request).defer("source_text").annotate(
            source_start=Left("source_text", self.SOURCE_EXCERPT), source_length=Length("source_text"))


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


class CheckpointInline(admin.TabularInline):
    model = Checkpoint
    extra = 0
    fields = ["due_date", "title", "expected_percent", "department", "order"]
    autocomplete_fields = ["department"]


@admin.register(WorkItem)
class WorkItemAdmin(SimpleHistoryAdmin):
    list_display = ["number", "title", "section", "lead_department", "due_date", "status"]
    list_display_links = ["number", "title"]
    list_filter = ["section__plan", "status", "section", "responsibilities__department"]
    search_fields = ["title", "body"]
    list_select_related = ["section"]
    inlines = [ResponsibilityInline, TargetInline, CheckpointInline]
    readonly_fields = ["version", "last_report_at"]

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        # Responsibilities edited here change who may report and review, at once; figures follow.
        permissions.sync_item_permissions(form.instance)
        signals.plan_changed.send(sender=WorkPlan, plan=form.instance.section.plan)

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
class TargetAdmin(SimpleHistoryAdmin):
    list_display = ["subject", "item", "kind", "level", "target_value", "unit", "current_value", "due_date"]
    list_filter = ["kind", "level", "item__section__plan"]
    search_fields = ["subject", "phrase"]
    list_select_related = ["item"]
    list_editable = ["target_value", "current_value", "due_date"]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        signals.plan_changed.send(sender=WorkPlan, plan=obj.item.section.plan)


@admin.register(Responsibility)
class ResponsibilityAdmin(admin.ModelAdmin):
    list_display = ["item", "department", "role", "order"]
    list_filter = ["role", "department"]
    list_select_related = ["item", "department"]
    search_fields = ["item__title", "department__name"]

    def save_model(self, request, obj, form, change):
        previous_item = Responsibility.objects.filter(pk=obj.pk).values_list("item_id", flat=True).first()
        super().save_model(request, obj, form, change)
        for item in WorkItem.objects.filter(pk__in={obj.item_id, previous_item} - {None}).select_related("section__plan"):
            permissions.sync_item_permissions(item)
            signals.plan_changed.send(sender=WorkPlan, plan=item.section.plan)

    def delete_model(self, request, obj):
        item = obj.item
        super().delete_model(request, obj)
        permissions.sync_item_permissions(item)

    def delete_queryset(self, request, queryset):
        items = list(WorkItem.objects.filter(responsibilities__in=queryset).distinct())
        super().delete_queryset(request, queryset)
        for item in items:
            permissions.sync_item_permissions(item)
