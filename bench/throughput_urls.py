"""The portal's URLs plus /bench/bare/ (bench/throughput.py's ceiling)."""

from django.http import HttpResponse
from django.urls import include, path


def bare(request):
    """The ceiling: the portal's middleware and a response of a few bytes, nothing read or rendered; with
    ?bytes=N, N bytes of HTML (the page's own size: what moving its bytes costs, apart from making them)."""
    size = request.GET.get("bytes", "")
    if size.isascii() and size.isdigit():
        return HttpResponse(b"x" * min(int(size), 10_000_000))
    return HttpResponse(b"ok", content_type="text/plain")


urlpatterns = [path("bench/bare/", bare), path("", include("unionplan.urls"))]
