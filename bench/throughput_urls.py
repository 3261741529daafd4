"""The portal's URLs plus /bench/bare/ (bench/throughput.py's ceiling)."""

from django.http import HttpResponse
from django.urls import include, path


def bare(request):
    """The ceiling: the portal's middleware and a response of a few bytes, nothing read or rendered."""
    return HttpResponse(b"ok", content_type="text/plain")


urlpatterns = [path("bench/bare/", bare), path("", include("unionplan.urls"))]
