"""SSO_ONLY: members sign in through the organisation's identity provider only.

Local sign-up is closed (allauth shows account/signup_closed.html, which offers the provider's
button instead), and every sign-in that is not through the provider (password, passkey) is
refused for everyone but staff: the staff recovery path, for a day the provider is down, is the
password form at /accounts/login/?password=staff (README "SSO only"). Password reset is closed
by members/sso_views.py. Read at request time, so the setting can change without new URLs.
"""

from django.conf import settings
from django.shortcuts import render


def sso_only_refuses(user, signal_kwargs) -> bool:
    """Would SSO_ONLY refuse this sign-in? Yes unless it comes from the provider or is staff's."""
    if not settings.SSO_ONLY or (signal_kwargs or {}).get("sociallogin") is not None:
        return False
    return not (user.is_staff or user.is_superuser)


class SsoOnlyMixin:
    """For the allauth account adapter."""

    def is_open_for_signup(self, request) -> bool:
        if settings.SSO_ONLY:
            return False
        return super().is_open_for_signup(request)

    def pre_login(self, request, user, **kwargs):
        if sso_only_refuses(user, kwargs.get("signal_kwargs")):
            return render(request, "socialaccount/sso_refused.html", {"reason": "sso_only"}, status=403)
        return super().pre_login(request, user, **kwargs)
