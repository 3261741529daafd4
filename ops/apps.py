from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OpsConfig(AppConfig):
    """Operator tools (backup and restore); no models, no pages."""

    name = "ops"
    verbose_name = _("Operations")
