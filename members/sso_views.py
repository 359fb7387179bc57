"""Pages that SSO_ONLY closes (members/sso_only.py): password reset. Staff who lost their
password while the provider is down reset it from a shell: `manage.py changepassword <name>`."""

from allauth.account.views import password_reset
from django.conf import settings
from django.shortcuts import render


def password_reset_or_sso(request, *args, **kwargs):
    if settings.SSO_ONLY:
        return render(request, "account/password_reset_sso_only.html", status=404)
    return password_reset(request, *args, **kwargs)
