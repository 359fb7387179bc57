"""The real client address, set once for everything after it (allauth's rate limits, our login
limits, logs).

Behind nginx every request comes from 127.0.0.1 (or, on a unix socket, from no address at all:
gunicorn leaves REMOTE_ADDR empty and allauth then refuses every login with "Unable to
determine client IP"). The proxies we run append the address they saw to X-Forwarded-For, so
with `TRUSTED_PROXY_COUNT = N` proxies in front of Django the client is the Nth entry from the
right. Entries further left were written by whoever sent the request and prove nothing: a
client can forge them, so they are never read. With `TRUSTED_CLIENT_IP_HEADER` (e.g.
"X-Real-IP"), a proxy that overwrites that header names the client instead.

The middleware rewrites REMOTE_ADDR (the proxy's own address stays in META["PROXY_ADDR"]), so
allauth is left on its default of reading REMOTE_ADDR and both always agree.
"""

import ipaddress
import logging

from django.conf import settings

logger = logging.getLogger(__name__)

# When no address can be found at all (a unix socket with no proxy configured), requests share
# this one, so the per-address limits still apply (to everyone together) instead of every login
# failing. It is logged, since it means TRUSTED_PROXY_COUNT is not set to match the proxy.
UNKNOWN_CLIENT_ADDRESS = "0.0.0.0"  # noqa: S104 - a placeholder value, nothing listens on it


def clean_address(value: str | None) -> str | None:
    """`value` as a normalised IP address, or None when it is not one ("unknown", empty).
    Accepts the port forms proxies write ("203.0.113.5:4711", "[2001:db8::1]:443")."""
    value = (value or "").strip()
    if not value:
        return None
    if value.startswith("["):  # [IPv6]:port
        value = value[1 : value.find("]")] if "]" in value else value
    elif value.count(":") == 1:  # IPv4:port (an IPv6 address has several colons)
        value = value.split(":", 1)[0]
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        return None


def client_address(meta: dict, *, proxy_count: int, client_header: str | None) -> tuple[str, str]:
    """(address, how) for a request's META: the client address and which rule gave it."""
    peer = clean_address(meta.get("REMOTE_ADDR"))
    if client_header:
        named = clean_address(meta.get("HTTP_" + client_header.upper().replace("-", "_")))
        if named:
            return named, "header"
    elif proxy_count > 0:
        entries = [entry for entry in meta.get("HTTP_X_FORWARDED_FOR", "").split(",") if entry.strip()]
        if len(entries) >= proxy_count:
            forwarded = clean_address(entries[-proxy_count])
            if forwarded:
                return forwarded, "forwarded"
        elif entries:
            # Fewer entries than proxies: the request skipped an outer proxy (a health check
            # sent straight to the inner one), so every entry was written by a proxy we trust.
            forwarded = clean_address(entries[0])
            if forwarded:
                return forwarded, "forwarded-short"
    if peer:
        return peer, "peer"
    return UNKNOWN_CLIENT_ADDRESS, "unknown"


class ClientAddressMiddleware:
    """First in MIDDLEWARE: REMOTE_ADDR becomes the real client address."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.warned = False

    def __call__(self, request):
        address, how = client_address(
            request.META,
            proxy_count=getattr(settings, "TRUSTED_PROXY_COUNT", 0),
            client_header=getattr(settings, "TRUSTED_CLIENT_IP_HEADER", None) or None,
        )
        if how == "unknown" and not self.warned:
            self.warned = True  # once per process: the cause is the configuration, not the request
            logger.warning(
                "A request came with no client address (a unix socket?) and no trusted proxy is "
                "configured: set TRUSTED_PROXY_COUNT (or TRUSTED_CLIENT_IP_HEADER) to match the proxy. "
                "Until then all such clients share the per-address limits."
            )
        request.META["PROXY_ADDR"] = request.META.get("REMOTE_ADDR", "")
        request.META["REMOTE_ADDR"] = address
        return self.get_response(request)
