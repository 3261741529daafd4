from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from . import services
from .models import Department, DepartmentAlias, Membership, SecurityEvent


class DepartmentAliasInline(admin.TabularInline):
    model = DepartmentAlias
    extra = 0


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ["name", "parent", "order", "is_active", "member_count"]
    list_filter = ["is_active", "parent"]
    list_editable = ["order", "is_active"]
    search_fields = ["name", "aliases__name"]
    exclude = ["group", "head_group"]
    inlines = [DepartmentAliasInline, MembershipInline]

    def get_queryset(self, request):
        from django.db.models import Count

        return super().get_queryset(request).select_related("parent").annotate(_members=Count("memberships"))

    @admin.display(description=_("members"), ordering="_members")
    def member_count(self, obj):
        return obj._members

    def save_formset(self, request, form, formset, change):
        if formset.model is not Membership:
            return super().save_formset(request, form, formset, change)
        # Memberships go through the service so the user joins the department's group.
        memberships = formset.save(commit=False)
        for membership in formset.deleted_objects:
            services.membership_remove(user=membership.user, department=membership.department)
        for membership in memberships:
            services.membership_set(user=membership.user, department=form.instance, role=membership.role)

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            return
        created = services.department_create(name=obj.name, parent=obj.parent, order=obj.order)
        obj.pk, obj.group_id, obj.head_group_id = created.pk, created.group_id, created.head_group_id
        obj._state.adding = False


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "department", "role", "created_at"]
    list_filter = ["role", "department"]
    search_fields = ["user__username", "user__first_name", "department__name"]
    autocomplete_fields = ["user", "department"]

    def save_model(self, request, obj, form, change):
        membership = services.membership_set(user=obj.user, department=obj.department, role=obj.role)
        obj.pk = membership.pk

    def delete_model(self, request, obj):
        services.membership_remove(user=obj.user, department=obj.department)


@admin.register(SecurityEvent)
class SecurityEventAdmin(admin.ModelAdmin):
    """Read only: an audit record is never added, changed or deleted by hand (the sweep ages them out)."""

    list_display = ["at", "kind", "username", "address", "path", "detail"]
    list_filter = ["kind"]
    search_fields = ["username", "detail", "path"]
    date_hierarchy = "at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


# API tokens in the admin: seen and revoked (each revocation audited), never issued here: a token
# is issued to the person who gives their password (POST /api/v1/auth/token/), and shown once.
from knox.models import AuthToken  # noqa: E402

if admin.site.is_registered(AuthToken):
    admin.site.unregister(AuthToken)


@admin.register(AuthToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["user", "token_start", "created", "expiry"]
    search_fields = ["user__username", "user__first_name"]
    list_select_related = ["user"]
    fields = ["user", "created", "expiry"]
    readonly_fields = ["user", "created", "expiry"]

    @admin.display(description=_("token"))
    def token_start(self, obj):
        return f"{obj.token_key[:8]}…"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def delete_model(self, request, obj):
        services.api_token_revoke(user=obj.user, token_key=obj.token_key, by=request.user, request=request)

    def delete_queryset(self, request, queryset):
        for token in queryset.select_related("user"):
            services.api_token_revoke(user=token.user, token_key=token.token_key, by=request.user, request=request)
