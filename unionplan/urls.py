from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from . import health

admin.site.site_header = _("unionplan · work plan portal")
admin.site.site_title = _("unionplan admin")
admin.site.index_title = _("Administration")

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("accounts/login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("api/v1/", include("unionplan.api_urls")),
    path("notifications/", include("notifications.urls")),
    path("manage/", include("departments.urls")),
    path("brands/", include("brands.urls")),  # brands (issue 6)
    path("", include("tasks.urls")),
]

