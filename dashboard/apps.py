from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DashboardConfig(AppConfig):
    name = "dashboard"
    verbose_name = _("Leadership dashboard")

    def ready(self):
        from core import prefetch

        from . import views

        prefetch.register("dashboard:dashboard", views.prefetched_keys)
