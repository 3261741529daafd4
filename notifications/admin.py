import datetime

from django.contrib import admin, messages
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from . import services
from .models import Delivery, Notification, OutboxMessage, ReminderLog, WebhookChannel

STUCK_AFTER = datetime.timedelta(minutes=15)


@admin.register(WebhookChannel)
class WebhookChannelAdmin(admin.ModelAdmin):
    list_display = ["department", "kind", "is_active", "created_at"]
    list_filter = ["kind", "is_active"]
    search_fields = ["department__name", "url"]
    autocomplete_fields = ["department"]
    list_select_related = ["department"]


class DeliveryInline(admin.TabularInline):
    model = Delivery
    extra = 0
    can_delete = False
    fields = ["channel", "user", "webhook", "state", "attempts", "sent_at", "last_error"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(ReminderLog)
class ReminderLogAdmin(admin.ModelAdmin):
    list_display = ["title", "kind", "audience", "period", "created_at"]
    list_filter = ["kind", "created_at"]
    search_fields = ["title", "subject", "audience", "period"]
    readonly_fields = ["subject", "audience", "kind", "period", "title", "body", "url", "created_at"]
    date_hierarchy = "created_at"
    inlines = [DeliveryInline]

    def has_add_permission(self, request):
        # Reminders are claimed by the jobs only: a hand-made one would block the real one's key.
        return False


class DeliveryProblemFilter(admin.SimpleListFilter):
    title = _("problem")
    parameter_name = "problem"

    def lookups(self, request, model_admin):
        return [("failed", _("failed or gave up")), ("stuck", _("outcome unknown (sender died)"))]

    def queryset(self, request, queryset):
        if self.value() == "failed":
            return queryset.filter(state__in=[Delivery.State.FAILED, Delivery.State.GAVE_UP])
        if self.value() == "stuck":
            return queryset.filter(state=Delivery.State.SENDING, started_at__lt=timezone.now() - STUCK_AFTER)
        return queryset


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = ["reminder", "channel", "address", "user", "state", "attempts", "next_attempt_at", "sent_at"]
    list_filter = [DeliveryProblemFilter, "state", "channel"]
    search_fields = ["address", "reminder__title", "user__username", "last_error"]
    list_select_related = ["reminder", "user"]
    readonly_fields = ["reminder", "channel", "user", "webhook", "address", "state", "attempts", "next_attempt_at",
                       "started_at", "sent_at", "last_error"]
    actions = ["send_again"]

    def has_add_permission(self, request):
        return False

    @admin.action(description=_("Send again (not already sent)"))
    def send_again(self, request, queryset):
        count = services.deliveries_retry(delivery_ids=queryset.values_list("pk", flat=True))
        self.message_user(
            request,
            ngettext("%(count)d delivery queued again.", "%(count)d deliveries queued again.", count) % {"count": count},
            messages.SUCCESS,
        )


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["title", "recipient", "kind", "created_at", "read_at"]
    list_filter = ["kind", "created_at"]
    search_fields = ["title", "recipient__username"]
    list_select_related = ["recipient"]
    raw_id_fields = ["recipient", "reminder"]


@admin.register(OutboxMessage)
class OutboxMessageAdmin(admin.ModelAdmin):
    list_display = ["task_name", "kwargs", "state", "attempts", "created_at", "published_at"]
    list_filter = ["state", "task_name"]
    readonly_fields = ["task_name", "kwargs", "state", "attempts", "last_error", "created_at", "published_at"]
    actions = ["publish_now"]

    def has_add_permission(self, request):
        return False

    @admin.action(description=_("Publish now"))
    def publish_now(self, request, queryset):
        published = sum(services.outbox_publish(message_id=pk) for pk in queryset.values_list("pk", flat=True))
        self.message_user(
            request, _("%(count)d published; the rest stay pending.") % {"count": published}, messages.INFO
        )
