"""Links in account emails (address confirmation, password reset) point at SITE_URL, the
site's public address, rather than whatever Host the request came with: the same address as
every other email, and right even when the email is rendered outside a request."""

from urllib.parse import urlsplit

from django.conf import settings


def on_site(url: str) -> str:
    """`url` with its scheme and host replaced by SITE_URL's."""
    parts = urlsplit(url)
    return settings.SITE_URL + parts.path + (f"?{parts.query}" if parts.query else "")


class SiteLinksMixin:
    """For the allauth account adapter."""

    def get_email_confirmation_url(self, request, emailconfirmation) -> str:
        return on_site(super().get_email_confirmation_url(request, emailconfirmation))

    def get_reset_password_from_key_url(self, key: str) -> str:
        return on_site(super().get_reset_password_from_key_url(key))
