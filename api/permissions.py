"""What a caller may do through the API, by how they authenticated.

Reads are open to everybody (the visibility policy decides what they see, as on the pages);
writes need a signed-in caller, and a token's scope must allow writing. Each service then
checks the rules of the action itself, as it does for the pages."""

from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import SAFE_METHODS, BasePermission

from .models import AccessToken


def token_of(request) -> AccessToken | None:
    return request.auth if isinstance(request.auth, AccessToken) else None


class ScopedAccess(BasePermission):
    message = _("This token may only read: make a token with the write scope to change things.")

    def has_permission(self, request, view):
        if request.method in SAFE_METHODS:
            return True
        if not (request.user and request.user.is_authenticated):
            self.message = _("Sign in or send an API token to do this.")
            return False
        token = token_of(request)
        if token is not None and not token.can_write:
            self.message = ScopedAccess.message
            return False
        return True


class SignedIn(BasePermission):
    """Endpoints about the caller themselves (notifications)."""

    message = _("Sign in or send an API token to do this.")

    def has_permission(self, request, view):
        return bool(request.user and request.user.is_authenticated) and ScopedAccess().has_permission(request, view)
