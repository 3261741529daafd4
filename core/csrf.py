"""Django's CSRF token (django.middleware.csrf.get_token), masked with one read of the system's randomness.

Django masks the secret afresh for every response (so a page's bytes never repeat the secret: BREACH) and
draws the mask's 32 characters with 32 calls of secrets.choice; on a cached page, filled in per view,
that was a tenth of the view. The mask here is as random and as unbiased (bytes from os.urandom, those
above the largest multiple of 62 skipped), the cipher is Django's own, and Django unmasks and checks it.
"""

import os

from django.middleware import csrf

_CHARS = csrf.CSRF_ALLOWED_CHARS
_INDEX = {char: at for at, char in enumerate(_CHARS)}
_BELOW = 256 - 256 % len(_CHARS)  # 248: bytes under it fall evenly on the 62 characters


def get_token(request) -> str:
    """As django.middleware.csrf.get_token: the secret (a new one, and its cookie, when the request has
    none) masked for this response."""
    secret = request.META.get("CSRF_COOKIE")
    if secret is None or len(secret) != csrf.CSRF_SECRET_LENGTH or not all(char in _INDEX for char in secret):
        return csrf.get_token(request)
    request.META["CSRF_COOKIE_NEEDS_UPDATE"] = True  # as Django: the cookie is sent again, its expiry renewed
    mask = _random_chars(csrf.CSRF_SECRET_LENGTH)
    return mask + "".join(_CHARS[(_INDEX[x] + _INDEX[y]) % len(_CHARS)] for x, y in zip(secret, mask))


def _random_chars(count: int) -> str:
    chars = []
    while len(chars) < count:
        chars.extend(_CHARS[byte % len(_CHARS)] for byte in os.urandom(2 * count) if byte < _BELOW)
    return "".join(chars[:count])
