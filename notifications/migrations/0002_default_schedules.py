"""The jobs' default schedules, in django-celery-beat's tables so an admin edits them in the admin site.

Created only when missing: an admin's later edits survive re-running migrations.
"""

from django.db import migrations

TIME_ZONE = "Asia/Shanghai"

SCHEDULES = [
    # name, task, crontab (minute, hour) or interval (every, period), description
    ("reminders: daily at 08:30", "tasks.run_reminders", ("30", "8"), None,
     "Deadline reminders, reporting-cycle reminders and overdue escalation."),
    ("roll-up: every 15 minutes", "tasks.refresh_rollup", None, (15, "minutes"),
     "Recompute item, section and plan progress and traffic lights."),
    ("snapshot: daily at 00:10", "tasks.take_snapshot", ("10", "0"), None,
     "Record yesterday's progress for the trend charts."),
    ("outbox: every minute", "notifications.drain_outbox", None, (1, "minutes"),
     "Publish tasks that could not be enqueued while the broker was down; retry failed deliveries."),
]


def create_schedules(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTasks = apps.get_model("django_celery_beat", "PeriodicTasks")
    for name, task, crontab, interval, description in SCHEDULES:
        if PeriodicTask.objects.filter(name=name).exists():
            continue
        schedule = {}
        if crontab:
            minute, hour = crontab
            schedule["crontab"], _created = CrontabSchedule.objects.get_or_create(
                minute=minute, hour=hour, day_of_week="*", day_of_month="*", month_of_year="*", timezone=TIME_ZONE
            )
        else:
            every, period = interval
            schedule["interval"], _created = IntervalSchedule.objects.get_or_create(every=every, period=period)
        PeriodicTask.objects.create(name=name, task=task, description=description, **schedule)
    # Tell a running beat that the schedule changed (what the admin's save does too).
    from django.utils import timezone

    PeriodicTasks.objects.update_or_create(ident=1, defaults={"last_update": timezone.now()})


def remove_schedules(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTask.objects.filter(name__in=[name for name, *_rest in SCHEDULES]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("notifications", "0001_initial"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create_schedules, remove_schedules)]
