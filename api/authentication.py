"""API authentication: a personal access token in the Authorization header.

`Authorization: Bearer cop_...` (or `Token cop_...`). A token that is wrong, revoked or
expired is a 401 problem, never a silent fall back to anonymous access: a script with a dead
token should fail loudly, not quietly see less."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from .tokens import token_find

KEYWORDS = (b"bearer", b"token")


class AccessTokenAuthentication(authentication.BaseAuthentication):
    def authenticate(self, request):
        parts = authentication.get_authorization_header(request).split()
        if not parts or parts[0].lower() not in KEYWORDS:
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed(_("Send the token as 'Authorization: Bearer <token>'."))
        try:
            raw = parts[1].decode()
        except UnicodeDecodeError as error:
            raise exceptions.AuthenticationFailed(_("This token is not valid.")) from error
        token = token_find(raw)
        if token is None:
            raise exceptions.AuthenticationFailed(_("This token is not valid, has been revoked or has expired."))
        return token.user, token

    def authenticate_header(self, request):
        return 'Bearer realm="api"'


class AccessTokenScheme(OpenApiAuthenticationExtension):
    target_class = "api.authentication.AccessTokenAuthentication"
    name = "accessToken"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "A personal access token made in Settings > API tokens.",
        }
