"""The portal's settings and URLs plus one bare view, for bench/throughput.py's gunicorn (never deployed).

    DJANGO_SETTINGS_MODULE=throughput_site  (with bench/ on the path)
"""

from django.http import HttpResponse
from django.urls import include, path

from unionplan.settings import *  # noqa: F401,F403  (the portal's own settings, unchanged)

ROOT_URLCONF = "throughput_site"


def bare(request):
    """The ceiling: the portal's middleware and a response of a few bytes, nothing read or rendered."""
    return HttpResponse(b"ok", content_type="text/plain")


urlpatterns = [path("bench/bare/", bare), path("", include("unionplan.urls"))]
