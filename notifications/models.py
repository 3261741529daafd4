"""Reminders and notifications: what was sent to whom, once, and over which channel.

A reminder is identified by (subject, audience, kind, period) and the log has
a unique constraint on it: claiming the key is what makes a reminder happen at
most once, whoever runs the job and however often. Each channel a reminder goes
to is a Delivery row, sent, retried with backoff or given up, and shown in admin.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from departments.models import Department


class WebhookChannel(models.Model):
    """A department's group robot (群机器人) in WeCom (企业微信) or DingTalk (钉钉)."""

    class Kind(models.TextChoices):
        WECOM = "wecom", _("WeCom group robot")
        DINGTALK = "dingtalk", _("DingTalk group robot")

    department = models.ForeignKey(
        Department, verbose_name=_("department"), on_delete=models.CASCADE, related_name="webhook_channels"
    )
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    url = models.URLField(
        _("webhook URL"),
        max_length=500,
        help_text=_("The robot's full address, including its key or access token."),
    )
    secret = models.CharField(
        _("signing secret"),
        max_length=200,
        blank=True,
        help_text=_("DingTalk only: the robot's signing secret (SEC…), when its security setting is signing."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("group robot")
        verbose_name_plural = _("group robots")
        ordering = ["department__order", "kind"]
        constraints = [
            models.UniqueConstraint(fields=["department", "kind", "url"], name="webhook_unique_department_kind_url"),
        ]

    def __str__(self):
        return f"{self.department} · {self.get_kind_display()}"


class ReminderLog(models.Model):
    """One reminder, sent at most once: the unique key is (subject, audience, kind, period).

    The row is written (claimed) before anything is sent; its deliveries then
    carry each channel's outcome.
    """

    class Kind(models.TextChoices):
        DUE_SOON = "due_soon", _("due-date reminder")
        REPORT_DUE = "report_due", _("reporting-cycle reminder")
        OVERDUE = "overdue", _("overdue notice to the head")
        ESCALATION = "escalation", _("escalation to leadership")
        REVIEW_REQUEST = "review_request", _("report awaiting review")
        REPORT_REVIEWED = "report_reviewed", _("report approved or returned")
        INSTRUCTION = "instruction", _("leadership instruction")
        INSTRUCTION_STEP = "instruction_step", _("instruction answered, returned or closed")
        CHASE = "chase", _("chase (催办)")
        EXTENSION = "extension", _("extension request")
        COMPLETION = "completion", _("completion check (销号)")
        SUMMARY_DUE = "summary_due", _("summary report due")
        ASSESSMENT = "assessment", _("year-end assessment (考核)")

    subject = models.CharField(_("about"), max_length=64, help_text=_("e.g. item:12, target:40, plan:1"))
    audience = models.CharField(_("to"), max_length=64, help_text=_("e.g. department:5:staff, leadership"))
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    period = models.CharField(_("period"), max_length=32)
    title = models.CharField(_("title"), max_length=300)
    body = models.TextField(_("message"))
    url = models.CharField(_("link"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("claimed at"), auto_now_add=True)

    class Meta:
        verbose_name = _("reminder")
        verbose_name_plural = _("reminders")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["subject", "audience", "kind", "period"], name="reminder_unique_subject_audience_kind_period"
            ),
        ]

    def __str__(self):
        return self.title


class Delivery(models.Model):
    """One channel of one reminder: an e-mail or in-app notice to a user, or a post to a group robot."""

    class Channel(models.TextChoices):
        IN_APP = "in_app", _("in-app")
        EMAIL = "email", _("e-mail")
        WECOM = "wecom", _("WeCom")
        DINGTALK = "dingtalk", _("DingTalk")

    class State(models.TextChoices):
        PENDING = "pending", _("pending")
        SENDING = "sending", _("sending")
        SENT = "sent", _("sent")
        FAILED = "failed", _("failed, will retry")
        GAVE_UP = "gave_up", _("failed, gave up")

    reminder = models.ForeignKey(
        ReminderLog, verbose_name=_("reminder"), on_delete=models.CASCADE, related_name="deliveries"
    )
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, null=True, blank=True
    )
    webhook = models.ForeignKey(
        WebhookChannel, verbose_name=_("group robot"), on_delete=models.CASCADE, null=True, blank=True
    )
    address = models.CharField(_("address"), max_length=500, blank=True)
    state = models.CharField(_("state"), max_length=16, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt at"))
    started_at = models.DateTimeField(_("last attempt started at"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        ordering = ["-pk"]
        indexes = [models.Index(fields=["state", "next_attempt_at"], name="delivery_due")]
        constraints = [
            models.UniqueConstraint(
                fields=["reminder", "channel", "user"], condition=Q(user__isnull=False), name="delivery_unique_user"
            ),
            models.UniqueConstraint(
                fields=["reminder", "webhook"], condition=Q(webhook__isnull=False), name="delivery_unique_webhook"
            ),
            models.CheckConstraint(
                condition=Q(user__isnull=False) | Q(webhook__isnull=False), name="delivery_has_a_recipient"
            ),
        ]

    def __str__(self):
        return f"{self.reminder} · {self.get_channel_display()} · {self.address}"


class Notification(models.Model):
    """An in-app notice in a user's list; unread until opened."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recipient"), on_delete=models.CASCADE, related_name="notifications"
    )
    reminder = models.ForeignKey(
        ReminderLog, verbose_name=_("reminder"), on_delete=models.SET_NULL, null=True, blank=True
    )
    kind = models.CharField(_("kind"), max_length=16, choices=ReminderLog.Kind.choices)
    title = models.CharField(_("title"), max_length=300)
    body = models.TextField(_("message"))
    url = models.CharField(_("link"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["recipient", "read_at"], name="notification_unread")]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "reminder"], condition=Q(reminder__isnull=False), name="notification_once_per_reminder"
            ),
        ]

    def __str__(self):
        return self.title

    @property
    def is_unread(self) -> bool:
        return self.read_at is None


class OutboxMessage(models.Model):
    """A task to enqueue, written in the same transaction as the change that asks for it.

    Published after commit; if the broker is down it stays pending and the
    scheduler's outbox job publishes it once the broker is back. The worker
    marks it done when the task has run; one published but never done (the
    broker lost it in a restart) is published again by the outbox job.
    """

    class State(models.TextChoices):
        PENDING = "pending", _("pending")
        PUBLISHED = "published", _("published")
        DONE = "done", _("done")

    task_name = models.CharField(_("task"), max_length=200)
    kwargs = models.JSONField(_("arguments"), default=dict)
    state = models.CharField(_("state"), max_length=16, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    publications = models.PositiveSmallIntegerField(_("times published"), default=0)
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)

    class Meta:
        verbose_name = _("outbox message")
        verbose_name_plural = _("outbox")
        ordering = ["pk"]
        indexes = [models.Index(fields=["state", "created_at"], name="outbox_pending")]

    def __str__(self):
        return f"{self.task_name}({self.kwargs})"
