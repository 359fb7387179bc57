"""System checks for what README "Production deployment" requires, run by
`manage.py check --deploy` (and so at the start of every upgrade), beside Django's own."""

import os
from email.utils import parseaddr
from urllib.parse import urlsplit

from django.conf import settings
from django.core.checks import Tags, Warning, register
from django.http.request import validate_host

DEVELOPMENT_EMAIL_BACKENDS = {
    "django.core.mail.backends.console.EmailBackend",
    "django.core.mail.backends.locmem.EmailBackend",
    "django.core.mail.backends.dummy.EmailBackend",
}


@register(Tags.security, deploy=True)
def production_settings(app_configs, **kwargs):
    warnings = []
    site = urlsplit(settings.SITE_URL)
    if site.scheme != "https":
        warnings.append(
            Warning(
                f"SITE_URL is {settings.SITE_URL}: links in emails would not use HTTPS.",
                hint="Set SITE_URL to the public https:// address of the site.",
                id="cop.W001",
            )
        )
    if site.hostname and not validate_host(site.hostname, settings.ALLOWED_HOSTS):
        warnings.append(
            Warning(
                f"SITE_URL's host {site.hostname} is not in ALLOWED_HOSTS: the links in emails would answer 400.",
                hint="Add it to ALLOWED_HOSTS.",
                id="cop.W002",
            )
        )
    if "locmem" in settings.CACHES["default"]["BACKEND"].lower():
        warnings.append(
            Warning(
                "The cache is local memory: each gunicorn process keeps its own rate-limit counters, so "
                "sign-in limits multiply by the number of processes and restart with them.",
                hint="Set CACHE_URL to Redis, e.g. redis://127.0.0.1:6379/1.",
                id="cop.W003",
            )
        )
    if settings.EMAIL_BACKEND in DEVELOPMENT_EMAIL_BACKENDS:
        warnings.append(
            Warning(
                "Email goes to the console: members receive no confirmation, reset or notification email.",
                hint="Set EMAIL_URL to your mail server, e.g. smtp+tls://user:password@mail.example.org:587.",
                id="cop.W004",
            )
        )
    sender_domain = parseaddr(settings.DEFAULT_FROM_EMAIL)[1].rpartition("@")[2].lower()
    if "." not in sender_domain or sender_domain.endswith((".localhost", ".local", ".invalid")):
        warnings.append(
            Warning(
                f"DEFAULT_FROM_EMAIL is {settings.DEFAULT_FROM_EMAIL}: receiving mail servers reject or bin mail "
                "from a domain that does not exist, and replies to it go nowhere.",
                hint="Set DEFAULT_FROM_EMAIL to an address on your own domain, e.g. CoP Platform <cop@example.org>, "
                "with SPF and DKIM for that domain at your mail server.",
                id="cop.W006",
            )
        )
    if not settings.TRUSTED_PROXY_COUNT and not settings.TRUSTED_CLIENT_IP_HEADER:
        warnings.append(
            Warning(
                "TRUSTED_PROXY_COUNT is 0: behind nginx every client has the proxy's address, so one "
                "guesser's failed sign-ins slow down everyone.",
                hint="Set TRUSTED_PROXY_COUNT=1 behind the nginx site in deploy/ (0 only without a proxy).",
                id="cop.W005",
            )
        )
    return warnings


@register()
def retired_variables(app_configs, **kwargs):
    if "RATE_LIMIT_LOGIN_FAILED" in os.environ:
        return [
            Warning(
                "RATE_LIMIT_LOGIN_FAILED is no longer read: failed sign-ins are limited per known device, per "
                "(account, address), per address and per account.",
                hint="Use RATE_LIMIT_LOGIN_FAILED_PER_* (README, Configuration) and remove it.",
                id="cop.W010",
            )
        ]
    return []
