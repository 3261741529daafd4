from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SearchConfig(AppConfig):
    """The portal's one search box: items, departments, progress reports and 批示, as each user may see them."""

    name = "search"
    verbose_name = _("Search")
