from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.urls import include, path, re_path
from django.utils.translation import gettext_lazy as _
from django.views.generic import RedirectView

from departments.views import LogIn, PasswordChange, PasswordReset, PasswordResetConfirm, api_tokens

from . import health

admin.site.site_header = _("unionplan · work plan portal")
admin.site.site_title = _("unionplan admin")
admin.site.index_title = _("Administration")

# Admin pages of the records that moved out of the tasks app keep working from old bookmarks.
_MOVED_ADMIN = {
    "progressreport": "progress",
    "targetreading": "progress",
    "evidence": "progress",
    "instruction": "supervision",
}

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("accounts/login/", LogIn.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/password_change/", login_required(PasswordChange.as_view()), name="password_change"),
    path("accounts/api-tokens/", api_tokens, name="api_tokens"),
    path("accounts/password_reset/", PasswordReset.as_view(), name="password_reset"),
    path("accounts/password_reset/done/",
         auth_views.PasswordResetDoneView.as_view(template_name="registration/password_reset_sent.html"),
         name="password_reset_done"),
    path("accounts/reset/<uidb64>/<token>/", PasswordResetConfirm.as_view(), name="password_reset_confirm"),
    path("accounts/reset/done/",
         auth_views.PasswordResetCompleteView.as_view(template_name="registration/password_reset_finished.html"),
         name="password_reset_complete"),
    path("i18n/", include("django.conf.urls.i18n")),
    *[
        re_path(rf"^admin/tasks/{model}/(?P<rest>.*)$",
                RedirectView.as_view(url=f"/admin/{app}/{model}/%(rest)s", permanent=True, query_string=True))
        for model, app in _MOVED_ADMIN.items()
    ],
    path("admin/", admin.site.urls),
    path("api/v1/", include("unionplan.api_urls")),
    path("notifications/", include("notifications.urls")),
    path("manage/", include("departments.urls")),
    path("brands/", include("brands.urls")),
    path("dashboard/", include("dashboard.urls")),
    path("search/", include("search.urls")),
    path("", include("progress.urls")),
    path("", include("supervision.urls")),
    path("", include("assessment.urls")),
    path("", include("tasks.urls")),
]
