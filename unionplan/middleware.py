from csp.constants import HEADER as CSP_HEADER
from csp.constants import HEADER_REPORT_ONLY as CSP_HEADER_REPORT_ONLY
from csp.middleware import CheckableLazyObject, CSPMiddleware
from django.conf import settings
from django.http import HttpResponse, JsonResponse
from django.middleware.locale import LocaleMiddleware
from django.utils import translation
from django.utils.translation import gettext as _


class PortalLocaleMiddleware(LocaleMiddleware):
    """Simplified Chinese unless the user chose another language in the portal.

    The browser's Accept-Language is ignored on purpose: on a government
    intranet it reflects how a PC was installed, not what its user reads.
    """

    def process_request(self, request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        try:
            language = translation.get_supported_language_variant(chosen) if chosen else settings.LANGUAGE_CODE
        except LookupError:
            language = settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    """django-csp's middleware, with the headers of the settings' policy built once per process.

    django-csp builds the same header from the settings on every response (a deep copy of the policy and two
    builds: 34 µs, a thirtieth of a cached dashboard view). A response that carries no policy of its own
    (django-csp's decorators) from a request that drew no nonce gets the headers the first such response
    got, for as long as the settings hold the same policies; any other response is built as before.
    """

    _OWN_POLICY = ("_csp_config", "_csp_update", "_csp_replace", "_csp_exempt",
                   "_csp_config_ro", "_csp_update_ro", "_csp_replace_ro", "_csp_exempt_ro")

    def __init__(self, get_response):
        super().__init__(get_response)
        self._built = (object(), object(), None, None)  # (policy, report-only policy) -> (header, report-only)

    def process_response(self, request, response):
        policy = getattr(settings, "CONTENT_SECURITY_POLICY", None)
        report_only = getattr(settings, "CONTENT_SECURITY_POLICY_REPORT_ONLY", None)
        if (getattr(request, "_csp_nonce", None) is not None or settings.DEBUG
                or CSP_HEADER in response or CSP_HEADER_REPORT_ONLY in response
                or any(hasattr(response, name) for name in self._OWN_POLICY)
                or (policy or {}).get("EXCLUDE_URL_PREFIXES") or (report_only or {}).get("EXCLUDE_URL_PREFIXES")):
            return super().process_response(request, response)
        built_from, built_from_ro, header, header_ro = self._built
        if built_from is not policy or built_from_ro is not report_only:  # (held, so an identity is not reused)
            response = super().process_response(request, response)
            self._built = (policy, report_only, response.get(CSP_HEADER), response.get(CSP_HEADER_REPORT_ONLY))
            return response
        if header:
            response[CSP_HEADER] = header
        if header_ro:
            response[CSP_HEADER_REPORT_ONLY] = header_ro
        request.csp_nonce = CheckableLazyObject(self._csp_nonce_post_response)  # as django-csp: no nonce now
        return response


class RequestSizeLimitMiddleware:
    """Refuses (413) a request whose Content-Length is above what any form of the portal takes,
    before anything reads its body.

    Django's own limits come too late for this: the CSRF check reads the whole body (a multipart
    one is spooled to disk first), so 1 GB sent to the log-in page was written out before the
    403. No body may be larger than the largest legitimate upload (UNIONPLAN_MAX_REQUEST_BYTES:
    five evidence files of 10 MB and the form): refused unread, as the reverse proxy refuses it
    (deploy/nginx/unionplan.conf.template). A body that is not multipart may be as large as
    DATA_UPLOAD_MAX_MEMORY_SIZE (the API's JSON too, which DRF reads without Django's check);
    a larger one, still under the first limit, is read and dropped before the 413.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > settings.UNIONPLAN_MAX_REQUEST_BYTES:
            return self._too_large(request, settings.UNIONPLAN_MAX_REQUEST_BYTES)
        multipart = request.META.get("CONTENT_TYPE", "").startswith("multipart/")
        if not multipart and length > settings.DATA_UPLOAD_MAX_MEMORY_SIZE:
            response = self._too_large(request, settings.DATA_UPLOAD_MAX_MEMORY_SIZE)
        else:
            response = self.get_response(request)
        # A body nobody read (a 401, 403 or 413 answered first) is taken and dropped, never kept:
        # nginx is still sending it, and a connection closed under it is a 502 instead of the answer.
        try:
            while request.read(65536):
                pass
        except (OSError, ValueError):
            pass
        return response

    def _too_large(self, request, limit: int):
        message = _("The upload is too large (at most %(limit)d MB).") % {"limit": limit // (1024 * 1024) or 1}
        if request.path_info.startswith("/api/"):
            return JsonResponse({"detail": message}, status=413)
        return HttpResponse(message, status=413, content_type="text/plain; charset=utf-8")


class SecurityAuditMiddleware:
    """Every refused request (403: a page or API call the user may not make, a CSRF failure) is a
    security event, with the client's address as the lock-out reads it (also set on the request for
    the events recorded further in: log-ins, evidence downloads)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from .backends import client_address

        request.client_address = client_address(request)
        response = self.get_response(request)
        if response.status_code == 403:
            from departments.models import SecurityEvent
            from departments.services import security_event_record

            user = getattr(request, "user", None)
            security_event_record(kind=SecurityEvent.Kind.PERMISSION_DENIED, user=user, request=request,
                                  detail=f"{request.method} {response.status_code}")
        return response


class PrefetchMiddleware:
    """Reads, in one cache round trip, what a logged-in request reads first (core.prefetch): the session,
    the user's cached frame and the page's own entries. Before SessionMiddleware.

    The session's user is not known before the session is read, so the response carries the user's id in a
    cookie of its own (PREFETCH_USER_COOKIE): a hint of which frame to read, never trusted — the frame is
    taken only under the key of the user the session names (notifications.backends), so a forged or stale
    cookie costs the round trip it would have saved, nothing else."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from django.contrib.sessions.backends.cached_db import KEY_PREFIX

        from core import prefetch

        if settings.SESSION_ENGINE != "core.session_store":  # sessions in the database: nothing to read with them
            return self.get_response(request)
        session_key = request.COOKIES.get(settings.SESSION_COOKIE_NAME, "")
        user_id = request.COOKIES.get(settings.PREFETCH_USER_COOKIE, "")
        token = None
        # (ASCII only: "²".isdigit() is true, and int() refuses it)
        if session_key.isascii() and session_key.isalnum() and user_id.isascii() and user_id.isdigit():
            from notifications.backends import frame_key

            token = prefetch.fetch([KEY_PREFIX + session_key, frame_key(int(user_id)),
                                    *prefetch.page_keys(_url_name(request.path_info), request, user_id)])
        try:
            response = self.get_response(request)
        finally:
            if token is not None:
                prefetch.done(token)
        _hint_user(request, response, user_id)
        return response


def _url_name(path: str) -> str | None:
    """The registered page (core.prefetch.register) at `path`, without resolving every URL."""
    from django.urls import NoReverseMatch, reverse

    from core import prefetch

    global _PREFETCH_PATHS
    names = prefetch.registered()
    if _PREFETCH_PATHS is None or len(_PREFETCH_PATHS) != len(names):
        paths = {}
        for name in names:
            try:
                paths[reverse(name)] = name
            except NoReverseMatch:
                continue
        _PREFETCH_PATHS = paths
    return _PREFETCH_PATHS.get(path)


_PREFETCH_PATHS = None


def _hint_user(request, response, hinted: str) -> None:
    if not hasattr(request, "_cached_user"):  # only a user the request loaded anyway
        return
    user = request.user  # (AnonymousUser once logged out)
    if user.is_authenticated and hinted != str(user.pk):
        response.set_cookie(settings.PREFETCH_USER_COOKIE, str(user.pk), max_age=settings.SESSION_COOKIE_AGE,
                            secure=settings.SESSION_COOKIE_SECURE, httponly=True, samesite="Lax")
    elif not user.is_authenticated and hinted:
        response.delete_cookie(settings.PREFETCH_USER_COOKIE, samesite="Lax")
