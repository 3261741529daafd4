from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = _("Notifications")

    def ready(self):
        from celery.signals import task_postrun

        from core import jobs

        from . import receivers  # noqa: F401  (forget a user's cached frame when what it holds changes)
        from .services import enqueue, outbox_mark_done

        # Lower floors (departments, tasks) queue their background jobs through the outbox this way.
        jobs.register_outbox(enqueue)

        def _outbox_task_ran(task_id=None, state=None, **kwargs):
            # In the worker: an outbox message's task has run; the drain need not publish it again.
            if state == "SUCCESS":
                outbox_mark_done(task_id=task_id)

        task_postrun.connect(_outbox_task_ran, weak=False, dispatch_uid="notifications.outbox_task_ran")
