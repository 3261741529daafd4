from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DepartmentsConfig(AppConfig):
    name = "departments"
    verbose_name = _("Departments")

    def ready(self):
        from . import passwords, people_jobs, receivers  # noqa: F401  (passwords: its log-in receiver; receivers: the security events)

        people_jobs.register()
