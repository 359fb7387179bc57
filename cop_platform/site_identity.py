"""The Sites record (django.contrib.sites, SITE_ID) follows SITE_NAME and SITE_URL, so account
emails say "Hello from <SITE_NAME>" and name the real domain, never "example.com"."""

from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.sites.models import Site
from django.db import DEFAULT_DB_ALIAS, connections


def site_identity() -> tuple[str, str]:
    """(domain, name) the Sites record should hold: SITE_URL's host (with its port) and SITE_NAME."""
    return urlsplit(settings.SITE_URL).netloc, settings.SITE_NAME


def site_sync(*, using: str = DEFAULT_DB_ALIAS) -> bool:
    """Make the current Sites record match the settings; True when it had to change."""
    if Site._meta.db_table not in connections[using].introspection.table_names():
        return False  # migrating the sites app itself backwards: nothing to follow yet
    domain, name = site_identity()
    site = Site.objects.using(using).filter(pk=settings.SITE_ID).first()
    if site is not None and (site.domain, site.name) == (domain, name):
        return False
    Site.objects.using(using).update_or_create(pk=settings.SITE_ID, defaults={"domain": domain, "name": name})
    Site.objects.clear_cache()
    return True


def site_sync_after_migrate(sender, using=DEFAULT_DB_ALIAS, **kwargs):
    """post_migrate receiver: runs after django.contrib.sites created its "example.com" row."""
    site_sync(using=using)
