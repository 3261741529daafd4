from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TasksConfig(AppConfig):
    name = "tasks"
    verbose_name = _("Work plans")

    def ready(self):
        from . import import_jobs, receivers

        receivers.connect()
        import_jobs.register()
