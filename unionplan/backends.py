"""The log-in lock-out as an authentication backend (django-axes)."""

import functools
import ipaddress

from axes.backends import AxesStandaloneBackend
from django.conf import settings


class LockoutBackend(AxesStandaloneBackend):
    """Refuses a username that is locked out at the client's address; authenticates nobody itself.

    Every way in over HTTP passes the request to `authenticate()` (the log-in page, the admin's
    log-in, DRF's authentication classes), so every attempt from a browser or a client is
    counted and checked. A call without a request comes from code on the server (the shell, a
    management command, a test's `client.login()`); there is no client address to lock, so this
    backend stands aside instead of raising `AxesBackendRequestParameterRequired` (the custom
    backend route that django-axes documents for callers that do not pass the request).
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)


@functools.lru_cache(maxsize=8)
def _networks(proxies: tuple[str, ...]) -> tuple:
    return tuple(ipaddress.ip_network(proxy, strict=False) for proxy in proxies)


def is_trusted_proxy(address: str | None) -> bool:
    """Is the socket's peer one of the deployment's reverse proxies (TRUSTED_PROXIES: addresses or networks)?"""
    try:
        peer = ipaddress.ip_address(address or "")
    except ValueError:
        return False
    return any(peer in network for network in _networks(tuple(settings.TRUSTED_PROXIES)))


def client_address(request) -> str | None:
    """The address a log-in comes from, for the lock-out (AXES_CLIENT_IP_CALLABLE).

    Behind a reverse proxy every request comes from the proxy, which would lock a username for
    everybody. Each trusted proxy appends the address it saw to X-Forwarded-For, so the entry
    TRUSTED_PROXY_HOPS from the right is the one a client cannot forge; anything left of it is
    what the client sent. The header counts only when the socket's peer is a proxy the
    deployment really has (TRUSTED_PROXIES): a client that reaches gunicorn directly, with any
    header it likes, is known by its own address.
    """
    peer = request.META.get("REMOTE_ADDR")
    hops = settings.TRUSTED_PROXY_HOPS
    if hops and is_trusted_proxy(peer):
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
        if len(forwarded) >= hops:
            return forwarded[-hops]
    return peer
