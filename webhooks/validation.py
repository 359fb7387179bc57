"""Which addresses an endpoint may have: https only, and never a host that resolves to a
private, loopback, link-local or otherwise internal address, so that a coordinator cannot
make the server call into its own network (SSRF). Checked when the endpoint is saved and
again before every delivery (DNS may change between the two)."""

import socket
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from .transport import is_public


def _loopback_allowed(parts) -> bool:
    """Tests and local development (WEBHOOKS_ALLOW_LOOPBACK) may use http://127.0.0.1:<port>."""
    return bool(getattr(settings, "WEBHOOKS_ALLOW_LOOPBACK", False)) and parts.hostname == "127.0.0.1"


def resolve(host: str, port: int) -> list[str]:
    try:
        return sorted({info[4][0] for info in socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)})
    except (socket.gaierror, UnicodeError):
        return []


def validate_endpoint_url(url: str) -> None:
    """Raise ValidationError with a message a coordinator can act on."""
    parts = urlsplit(url.strip())
    if _loopback_allowed(parts) and parts.scheme in ("http", "https"):
        return
    if parts.scheme != "https":
        raise ValidationError(
            _("Use an https:// address: deliveries carry community content and are never sent in the clear.")
        )
    if not parts.hostname:
        raise ValidationError(_("This address has no host name."))
    if parts.username or parts.password:
        raise ValidationError(_("Leave user names and passwords out of the address: deliveries are signed instead."))
    try:
        port = parts.port or 443
    except ValueError as error:
        raise ValidationError(_("The port in this address is not a number between 1 and 65535.")) from error
    addresses = resolve(parts.hostname, port)
    if not addresses:
        raise ValidationError(_("The host “%(host)s” could not be found.") % {"host": parts.hostname})
    if not all(is_public(address) for address in addresses):
        raise ValidationError(
            _(
                "The host “%(host)s” points to a private, loopback or link-local address. Webhooks are only "
                "sent to addresses on the public internet."
            )
            % {"host": parts.hostname}
        )
