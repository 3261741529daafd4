"""Celery tasks of notifications: the outbox drain, which also retries failed deliveries past their backoff."""

from celery import shared_task

from core.jobs import RETRY_ON_DATABASE_ERROR

from . import services


@shared_task(name="notifications.drain_outbox", **RETRY_ON_DATABASE_ERROR)
def drain_outbox() -> dict:
    outbox = services.outbox_drain()
    deliveries = services.deliveries_send()
    return {"published": outbox.published, "republished": outbox.republished, "pending": outbox.pending,
            "sent": deliveries.sent,
            "failed": deliveries.failed + deliveries.gave_up}


@shared_task(name="notifications.send_deliveries", **RETRY_ON_DATABASE_ERROR)
def send_deliveries(reminder_ids: list[int]) -> int:
    return services.deliveries_send(reminder_ids=reminder_ids).sent
