"""System checks for what README "Production deployment" requires, run by
`manage.py check --deploy` (and so at the start of every upgrade), beside Django's own."""

import importlib.util
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


@register(Tags.security, deploy=True)
def file_storage(app_configs, **kwargs):
    """FILE_STORAGE=s3 (README "Files on object storage") and the delivery that goes with it."""
    warnings = []
    delivery = settings.RESOURCE_FILE_DELIVERY
    if settings.FILE_STORAGE not in ("local", "s3"):
        warnings.append(
            Warning(
                f"FILE_STORAGE is {settings.FILE_STORAGE!r}: files stay in the local directories.",
                hint='Set FILE_STORAGE to "local" or "s3".',
                id="cop.W020",
            )
        )
    if settings.FILE_STORAGE == "s3":
        if not settings.AWS_STORAGE_BUCKET_NAME:
            warnings.append(
                Warning(
                    "FILE_STORAGE is s3 but AWS_STORAGE_BUCKET_NAME is empty: every upload and download would fail.",
                    hint="Set AWS_STORAGE_BUCKET_NAME (and AWS_S3_ENDPOINT_URL outside AWS) to a private bucket.",
                    id="cop.W021",
                )
            )
        if importlib.util.find_spec("storages") is None:
            warnings.append(
                Warning(
                    "FILE_STORAGE is s3 but django-storages is not installed.",
                    hint="pip install -r requirements-s3.txt",
                    id="cop.W022",
                )
            )
        if delivery == "x-accel":
            warnings.append(
                Warning(
                    "RESOURCE_FILE_DELIVERY is x-accel but files are on object storage: nginx has no file to "
                    "send, so every download would be a 404.",
                    hint="Set RESOURCE_FILE_DELIVERY=storage-url (signed, short-lived links) or django.",
                    id="cop.W023",
                )
            )
    elif delivery == "storage-url" and settings.STORAGES["resources"]["BACKEND"].endswith("FileSystemStorage"):
        warnings.append(
            Warning(
                "RESOURCE_FILE_DELIVERY is storage-url but files are on the local disk, which has no signed "
                "links: downloads would point to addresses nothing serves.",
                hint="Set RESOURCE_FILE_DELIVERY=django or x-accel, or FILE_STORAGE=s3.",
                id="cop.W024",
            )
        )
    return warnings
