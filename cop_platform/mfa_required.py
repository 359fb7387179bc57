"""MFA_REQUIRED_FOR: staff and/or coordinators set up a second factor before /admin/ and /manage/.

Signing in to either panel already goes through allauth's pages (cop_platform/urls.py), where a
member who has an authenticator must use it. This middleware closes the other gap: an account
named by the setting that has no authenticator yet (TOTP app or security key; recovery codes
alone do not count) is sent to /accounts/2fa/ to add one, with a message that says why, instead
of opening the panel. Everything else on the site stays open to them.
"""

from allauth.mfa.models import Authenticator
from allauth.mfa.utils import is_mfa_enabled
from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from communities.models import Community

PANEL_PATHS = ("/admin/", "/manage/")
SECOND_FACTORS = [Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN]


def mfa_required(user) -> bool:
    """Does MFA_REQUIRED_FOR name this signed-in user's role?"""
    roles = settings.MFA_REQUIRED_FOR
    if "staff" in roles and (user.is_staff or user.is_superuser):
        return True
    return "coordinators" in roles and Community.objects.coordinated_by(user).exists()


class MfaRequiredMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if (
            settings.MFA_REQUIRED_FOR
            and request.path.startswith(PANEL_PATHS)
            and request.user.is_authenticated
            and mfa_required(request.user)
            and not is_mfa_enabled(request.user, types=SECOND_FACTORS)
        ):
            messages.warning(
                request,
                _(
                    "Your account can change what other members see, so it needs two-factor authentication: "
                    "add an authenticator app or a security key before you open the admin panels."
                ),
            )
            return redirect("mfa_index")
        return self.get_response(request)
