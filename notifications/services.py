"""Every state change of reminders, deliveries, notifications and the outbox.

Guarantees:
- `reminder_claim` writes a reminder's key before anything is sent; a second
  claim of the same (subject, audience, kind, period) — a retried task, a
  schedule that fired twice, a second worker — gets None and sends nothing.
- `delivery_send` takes a delivery with a conditional UPDATE, so two workers
  never both send it; the in-app notice is written in the same transaction as
  its "sent" mark (exactly once); e-mail and robots are marked after the call,
  and a process killed in between leaves the delivery "sending" — shown in
  admin, never sent again by itself (at most once).
- `enqueue` writes the task to the outbox in the caller's transaction and
  publishes it after commit; a broker that is down leaves it pending for
  `outbox_drain`, so nothing is lost and no page waits on the broker.
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from functools import partial

from celery import current_app as app
from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from . import channels
from .models import Delivery, Notification, OutboxMessage, ReminderLog, WebhookChannel

logger = logging.getLogger(__name__)

BACKOFF_FIRST = datetime.timedelta(minutes=1)
BACKOFF_MAX = datetime.timedelta(hours=1)
OUTBOX_KEEP = datetime.timedelta(days=7)
# A published message's task runs within seconds; one not done after this is published again,
# up to OUTBOX_MAX_PUBLICATIONS times in all (a task that fails every time is kept for a look).
OUTBOX_CONFIRM_WITHIN = datetime.timedelta(minutes=15)
OUTBOX_MAX_PUBLICATIONS = 5
OUTBOX_TASK_ID_PREFIX = "outbox-"


@dataclass(frozen=True)
class ReminderKey:
    subject: str  # what: item:12, target:40, plan:1, report:7
    audience: str  # who: department:5:staff, department:5:heads, leadership
    kind: str  # ReminderLog.Kind
    period: str  # when: a due date and lead time, a reporting day…


def reminder_exists(key: ReminderKey) -> bool:
    return ReminderLog.objects.filter(
        subject=key.subject, audience=key.audience, kind=key.kind, period=key.period
    ).exists()


def reminder_claim(
    *,
    key: ReminderKey,
    title: str,
    body: str,
    url: str = "",
    users: Iterable = (),
    webhooks: Iterable[WebhookChannel] = (),
    now: datetime.datetime | None = None,
) -> ReminderLog | None:
    """Claim a reminder's key and plan its deliveries in one transaction; None if it was claimed before.

    Users get an in-app notice, and an e-mail when they have an address; each
    active group robot gets one post.
    """
    now = now or timezone.now()
    try:
        with transaction.atomic():
            reminder = ReminderLog.objects.create(
                subject=key.subject, audience=key.audience, kind=key.kind, period=key.period,
                title=title[:300], body=body, url=url[:300],
            )
            Delivery.objects.bulk_create(_deliveries(reminder, users=users, webhooks=webhooks, now=now))
    except IntegrityError:
        if reminder_exists(key):
            return None  # someone claimed it first: it is theirs to send
        raise
    return reminder


def notice(
    *,
    key: ReminderKey,
    title: str,
    body: str,
    url: str = "",
    users: Iterable = (),
    webhooks: Iterable[WebhookChannel] = (),
) -> ReminderLog | None:
    """Tell people now, once per key: the key is claimed in the caller's transaction and the
    deliveries are sent after commit through the outbox (a broker outage delays, never loses them).
    None when the key was claimed before (a retry, a double click): nothing is sent again."""
    reminder = reminder_claim(key=key, title=title, body=body, url=url, users=users, webhooks=webhooks)
    if reminder is not None:
        enqueue(task_name="notifications.send_deliveries", kwargs={"reminder_ids": [reminder.pk]})
    return reminder


def _deliveries(reminder: ReminderLog, *, users, webhooks, now) -> list[Delivery]:
    rows, seen = [], set()
    for user in users:
        if user.pk in seen or not user.is_active:
            continue
        seen.add(user.pk)
        rows.append(Delivery(reminder=reminder, channel=Delivery.Channel.IN_APP, user=user, next_attempt_at=now))
        if user.email:
            rows.append(
                Delivery(reminder=reminder, channel=Delivery.Channel.EMAIL, user=user, address=user.email,
                         next_attempt_at=now)
            )
    for webhook in {w.pk: w for w in webhooks if w.is_active}.values():
        rows.append(
            Delivery(reminder=reminder, channel=webhook.kind, webhook=webhook, address=webhook.url, next_attempt_at=now)
        )
    return rows


@dataclass
class DeliveryOutcome:
    sent: int = 0
    failed: int = 0
    gave_up: int = 0
    next_attempt_at: datetime.datetime | None = None


def deliveries_send(*, reminder_ids: Iterable[int] | None = None, now: datetime.datetime | None = None) -> DeliveryOutcome:
    """Send every delivery that is due (new, or failed and past its backoff); optionally of some reminders only."""
    now = now or timezone.now()
    due = Delivery.objects.filter(
        state__in=[Delivery.State.PENDING, Delivery.State.FAILED], next_attempt_at__lte=now
    ).order_by("pk")
    if reminder_ids is not None:
        due = due.filter(reminder_id__in=list(reminder_ids))
    outcome = DeliveryOutcome()
    for delivery_id in list(due.values_list("pk", flat=True)):
        state = delivery_send(delivery_id=delivery_id, now=now)
        if state == Delivery.State.SENT:
            outcome.sent += 1
        elif state == Delivery.State.FAILED:
            outcome.failed += 1
        elif state == Delivery.State.GAVE_UP:
            outcome.gave_up += 1
    waiting = Delivery.objects.filter(state=Delivery.State.FAILED)
    if reminder_ids is not None:
        waiting = waiting.filter(reminder_id__in=list(reminder_ids))
    outcome.next_attempt_at = waiting.order_by("next_attempt_at").values_list("next_attempt_at", flat=True).first()
    return outcome


def _take(delivery_id: int, now) -> bool:
    # The conditional UPDATE is the lock: of two workers, one gets 1 row, the other 0.
    return bool(
        Delivery.objects.filter(
            pk=delivery_id, state__in=[Delivery.State.PENDING, Delivery.State.FAILED], next_attempt_at__lte=now
        ).update(state=Delivery.State.SENDING, attempts=F("attempts") + 1, started_at=now)
    )


def delivery_send(*, delivery_id: int, now: datetime.datetime | None = None) -> str | None:
    """Send one delivery if it is due and nobody else is sending it; returns its new state (None: not ours)."""
    now = now or timezone.now()
    delivery = Delivery.objects.select_related("reminder", "webhook", "user").get(pk=delivery_id)
    if delivery.channel == Delivery.Channel.IN_APP:
        with transaction.atomic():
            if not _take(delivery_id, now):
                return None
            Notification.objects.get_or_create(
                recipient=delivery.user,
                reminder=delivery.reminder,
                defaults={"kind": delivery.reminder.kind, "title": delivery.reminder.title,
                          "body": delivery.reminder.body, "url": delivery.reminder.url},
            )
            Delivery.objects.filter(pk=delivery_id).update(state=Delivery.State.SENT, sent_at=now, last_error="")
        return Delivery.State.SENT
    if not _take(delivery_id, now):
        return None
    try:
        _send_outside(delivery)
    except channels.ChannelError as error:
        return _record_failure(delivery, error=str(error), now=now)
    Delivery.objects.filter(pk=delivery_id).update(state=Delivery.State.SENT, sent_at=timezone.now(), last_error="")
    return Delivery.State.SENT


def _message(reminder: ReminderLog) -> channels.Message:
    url = f"{settings.UNIONPLAN_SITE_URL.rstrip('/')}{reminder.url}" if reminder.url else ""
    return channels.Message(title=reminder.title, body=reminder.body, url=url)


def _send_outside(delivery: Delivery) -> None:
    message = _message(delivery.reminder)
    if delivery.channel == Delivery.Channel.EMAIL:
        channels.send_email(message, address=delivery.address)
    elif delivery.channel == Delivery.Channel.WECOM:
        channels.send_wecom(message, url=delivery.webhook.url)
    elif delivery.channel == Delivery.Channel.DINGTALK:
        channels.send_dingtalk(message, url=delivery.webhook.url, secret=delivery.webhook.secret)
    else:
        raise channels.ChannelError(f"unknown channel {delivery.channel}")


def backoff(attempts: int) -> datetime.timedelta:
    """1, 2, 4, 8… minutes after the n-th failed attempt, at most an hour."""
    return min(BACKOFF_FIRST * (2 ** max(attempts - 1, 0)), BACKOFF_MAX)


def _record_failure(delivery: Delivery, *, error: str, now) -> str:
    attempts = Delivery.objects.values_list("attempts", flat=True).get(pk=delivery.pk)
    gave_up = attempts >= settings.UNIONPLAN_DELIVERY_MAX_ATTEMPTS
    state = Delivery.State.GAVE_UP if gave_up else Delivery.State.FAILED
    Delivery.objects.filter(pk=delivery.pk).update(
        state=state, last_error=error[:2000], next_attempt_at=now + backoff(attempts)
    )
    logger.warning("delivery %s (%s) failed, attempt %s: %s", delivery.pk, delivery.channel, attempts, error)
    return state


def deliveries_retry(*, delivery_ids: Iterable[int], now: datetime.datetime | None = None) -> int:
    """Admin's "send again": put given-up, failed or stuck deliveries back in the queue (never a sent one)."""
    now = now or timezone.now()
    return Delivery.objects.filter(pk__in=list(delivery_ids)).exclude(state=Delivery.State.SENT).update(
        state=Delivery.State.PENDING, next_attempt_at=now
    )


# ---------------------------------------------------------------------------
# In-app notifications.


def frame_forget(*, user_ids: Iterable[int]) -> None:
    """Forget the users' cached frames (notifications.backends: the user row with its unread count,
    groups and navigation flags), now and once the current transaction commits."""
    from .backends import frame_key

    keys = [frame_key(pk) for pk in set(user_ids) if pk is not None]
    if not keys:
        return
    cache.delete_many(keys)
    # Again after the commit: a request between now and then may have cached the rows as they were.
    transaction.on_commit(partial(cache.delete_many, keys))


def notification_mark_read(*, notification: Notification, now: datetime.datetime | None = None) -> None:
    # Reading it again changes nothing: keep the first time it was read.
    if notification.read_at is None:
        notification.read_at = now or timezone.now()
        Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(read_at=notification.read_at)
        frame_forget(user_ids=[notification.recipient_id])


def notices_handled(*, subject: str, kind: str, now: datetime.datetime | None = None) -> int:
    """Mark read every recipient's notice of this kind about `subject` once what it asked for is done
    (a "report awaiting your review" once the report is reviewed, by whoever reviewed it)."""
    unread = Notification.objects.filter(reminder__subject=subject, reminder__kind=kind, read_at__isnull=True)
    recipients = list(unread.values_list("recipient_id", flat=True).distinct())
    if not recipients:
        return 0
    marked = unread.update(read_at=now or timezone.now())
    frame_forget(user_ids=recipients)
    return marked


def notifications_mark_all_read(*, user, now: datetime.datetime | None = None) -> int:
    marked = Notification.objects.filter(recipient=user, read_at__isnull=True).update(read_at=now or timezone.now())
    frame_forget(user_ids=[user.pk])
    return marked


# ---------------------------------------------------------------------------
# The outbox: enqueue after commit, never lose a task to a broker outage.


def enqueue(*, task_name: str, kwargs: dict) -> OutboxMessage:
    """Run `task_name(**kwargs)` on a worker once the current transaction commits.

    The message is part of the caller's transaction (rolled back with it); it
    is published after commit, or by `outbox_drain` if the broker is down.
    """
    message = OutboxMessage.objects.create(task_name=task_name, kwargs=kwargs)
    transaction.on_commit(partial(outbox_publish, message_id=message.pk))
    return message


def outbox_publish(*, message_id: int) -> bool:
    """Publish one pending outbox message; False (and kept pending) when the broker cannot be reached."""
    message = OutboxMessage.objects.filter(pk=message_id, state=OutboxMessage.State.PENDING).first()
    if message is None:
        return True
    try:
        with app.connection_for_write() as connection:
            # One try: a page must not wait on a broker that is down (the outbox keeps the message).
            connection.ensure_connection(max_retries=0)
            app.send_task(message.task_name, kwargs=message.kwargs, connection=connection, retry=False,
                          task_id=f"{OUTBOX_TASK_ID_PREFIX}{message.pk}")
    except Exception as error:  # any broker error: the outbox keeps it
        OutboxMessage.objects.filter(pk=message_id).update(
            attempts=F("attempts") + 1, last_error=f"{type(error).__name__}: {error}"[:2000]
        )
        logger.warning("broker unavailable, outbox message %s kept: %s", message_id, error)
        return False
    OutboxMessage.objects.filter(pk=message_id, state=OutboxMessage.State.PENDING).update(
        state=OutboxMessage.State.PUBLISHED, published_at=timezone.now(), last_error="",
        publications=F("publications") + 1,
    )
    return True


def outbox_mark_done(*, task_id: str, now: datetime.datetime | None = None) -> bool:
    """The worker ran an outbox message's task (task_postrun, SUCCESS); other tasks are not ours."""
    if not task_id or not task_id.startswith(OUTBOX_TASK_ID_PREFIX):
        return False
    try:
        message_id = int(task_id.removeprefix(OUTBOX_TASK_ID_PREFIX))
    except ValueError:
        return False
    return bool(
        OutboxMessage.objects.filter(pk=message_id).exclude(state=OutboxMessage.State.DONE)
        .update(state=OutboxMessage.State.DONE, done_at=now or timezone.now())
    )


@dataclass
class OutboxOutcome:
    published: int = 0
    pending: int = 0
    purged: int = 0
    republished: int = 0


def outbox_drain(*, now: datetime.datetime | None = None) -> OutboxOutcome:
    """Publish what is pending, oldest first, stopping at the first broker failure; purge old published rows.

    A message published twice (its after-commit publish and a drain racing)
    runs twice: the tasks behind it are idempotent through the reminder key.
    """
    now = now or timezone.now()
    outcome = OutboxOutcome()
    # Published long ago and never done: the broker lost it (a restart without persistence) or every
    # worker died with it. Publish it again; the tasks are idempotent, so a slow one running twice is safe.
    outcome.republished = OutboxMessage.objects.filter(
        state=OutboxMessage.State.PUBLISHED, published_at__lt=now - OUTBOX_CONFIRM_WITHIN,
        publications__lt=OUTBOX_MAX_PUBLICATIONS,
    ).update(state=OutboxMessage.State.PENDING, last_error="published but not done in time: publishing again")
    pending = list(
        OutboxMessage.objects.filter(state=OutboxMessage.State.PENDING).order_by("pk").values_list("pk", flat=True)
    )
    for position, message_id in enumerate(pending):
        if not outbox_publish(message_id=message_id):
            outcome.pending = len(pending) - position
            break
        outcome.published += 1
    outcome.purged, _detail = OutboxMessage.objects.filter(
        Q(state=OutboxMessage.State.DONE, done_at__lt=now - OUTBOX_KEEP)
        | Q(state=OutboxMessage.State.PUBLISHED, published_at__lt=now - OUTBOX_KEEP)
    ).delete()
    return outcome


def outbox_run_in_process(*, since_id: int = 0, done_by_caller: Iterable[str] = ()) -> int:
    """Run the tasks of the outbox's waiting messages here, now, and mark them done; returns how many ran.

    For a batch that writes history in bulk (the demo year): what a worker would do
    later happens at once, in order; tasks named in `done_by_caller` are marked done
    without running (the batch does their work itself). The tasks are idempotent, so
    a copy a worker also receives changes nothing.
    """
    app.loader.import_default_modules()
    ran = 0
    waiting = OutboxMessage.objects.filter(pk__gt=since_id).exclude(state=OutboxMessage.State.DONE).order_by("pk")
    for message in waiting:
        task_id = f"{OUTBOX_TASK_ID_PREFIX}{message.pk}"
        if message.task_name not in done_by_caller:
            app.tasks[message.task_name].apply(kwargs=message.kwargs, task_id=task_id)
            ran += 1
        outbox_mark_done(task_id=task_id)
    return ran
