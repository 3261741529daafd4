"""The API's token authentication: django-rest-knox's hashed, expiring tokens, with answers in Chinese.

A client sends "Authorization: Token <token>" as with DRF's authtoken. An expired token is
deleted and answered 401 with a message that says it expired (knox would say "invalid"), so a
script's owner knows to ask POST /api/v1/auth/token/ again.
"""

from hmac import compare_digest

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.plumbing import build_bearer_security_scheme_object
from knox.auth import TokenAuthentication
from knox.crypto import hash_token
from knox.models import get_token_model
from knox.settings import CONSTANTS
from rest_framework import exceptions


class ApiTokenAuthentication(TokenAuthentication):
    def authenticate_credentials(self, token: bytes):
        try:
            text = token.decode("utf-8")
            digest = hash_token(text)
        except (UnicodeDecodeError, ValueError, TypeError):
            raise exceptions.AuthenticationFailed(_("Invalid API token."))
        candidates = get_token_model().objects.filter(token_key=text[:CONSTANTS.TOKEN_KEY_LENGTH]).select_related("user")
        for auth_token in candidates:
            if not compare_digest(digest, auth_token.digest):
                continue
            if auth_token.expiry is not None and auth_token.expiry < timezone.now():
                auth_token.delete()
                raise exceptions.AuthenticationFailed(
                    _("This API token has expired; ask for a new one (POST /api/v1/auth/token/)."))
            if not auth_token.user.is_active:
                raise exceptions.AuthenticationFailed(_("This account is deactivated."))
            return auth_token.user, auth_token
        raise exceptions.AuthenticationFailed(_("Invalid API token."))


class ApiTokenScheme(OpenApiAuthenticationExtension):
    """The schema's security scheme: the same "tokenAuth" as DRF's tokens (a header "Token <token>")."""

    target_class = "departments.authentication.ApiTokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return build_bearer_security_scheme_object(header_name="Authorization", token_prefix="Token")
