"""Reads of in-app notifications (who a message goes to: notifications.audiences)."""

from __future__ import annotations

from django.db.models import Count, QuerySet

from .models import Notification


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
