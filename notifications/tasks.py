"""Celery tasks of notifications: the outbox drain, which also retries failed deliveries past their backoff."""

from celery import shared_task
from django.db import DatabaseError

from . import services


@shared_task(name="notifications.drain_outbox", autoretry_for=(DatabaseError,), retry_backoff=30, max_retries=5,
             acks_late=True)
def drain_outbox() -> dict:
    outbox = services.outbox_drain()
    deliveries = services.deliveries_send()
    return {"published": outbox.published, "republished": outbox.republished, "pending": outbox.pending,
            "sent": deliveries.sent,
            "failed": deliveries.failed + deliveries.gave_up}
