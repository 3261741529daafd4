"""Reads of notifications and of who a reminder goes to."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.db.models import Count, Q, QuerySet

from departments.models import Membership
from departments.roles import LEADERSHIP_GROUP

from .models import Delivery, Notification, WebhookChannel


def notification_list(*, user) -> QuerySet[Notification]:
    return Notification.objects.filter(recipient=user).order_by("-created_at", "-pk")


def notification_of(*, user, notification_id: int) -> Notification:
    """The user's own notification; another user's id raises DoesNotExist (a 404, never a peek)."""
    return Notification.objects.get(recipient=user, pk=notification_id)


def unread_count(*, user) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def unread_count_subquery():
    """The unread count as a subquery over the user row, for loading it with the user."""
    from django.db.models import IntegerField, OuterRef, Subquery
    from django.db.models.functions import Coalesce

    counts = (
        Notification.objects.filter(recipient=OuterRef("pk"), read_at__isnull=True)
        .order_by()
        .values("recipient")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(counts, output_field=IntegerField()), 0)


@dataclass
class DepartmentRecipients:
    staff: list = field(default_factory=list)  # every member, heads included
    heads: list = field(default_factory=list)
    webhooks: list = field(default_factory=list)


def department_recipients(*, department_ids: Iterable[int]) -> dict[int, DepartmentRecipients]:
    """Members, heads and active group robots of many departments: two queries."""
    ids = set(department_ids)
    found = {department_id: DepartmentRecipients() for department_id in ids}
    memberships = Membership.objects.filter(department_id__in=ids, user__is_active=True).select_related("user")
    for membership in memberships.order_by("department_id", "user__username"):
        entry = found[membership.department_id]
        entry.staff.append(membership.user)
        if membership.role == Membership.Role.HEAD:
            entry.heads.append(membership.user)
    for webhook in WebhookChannel.objects.filter(department_id__in=ids, is_active=True).order_by("pk"):
        found[webhook.department_id].webhooks.append(webhook)
    return found


def leadership_users() -> list:
    return list(
        get_user_model().objects.filter(groups__name=LEADERSHIP_GROUP, is_active=True).order_by("username").distinct()
    )


def delivery_counts() -> dict[str, int]:
    """How many deliveries are in each state (the admin's and the health check's overview)."""
    return dict(Delivery.objects.values_list("state").annotate(n=Count("pk")).values_list("state", "n"))


def stuck_deliveries(*, older_than) -> QuerySet[Delivery]:
    """Deliveries whose sender died mid-send: outcome unknown, a person decides whether to send again."""
    return Delivery.objects.filter(Q(state=Delivery.State.SENDING) & Q(started_at__lt=older_than))
