from django.apps import AppConfig
from django.db.models.signals import post_migrate


class CopPlatformConfig(AppConfig):
    name = "cop_platform"
    verbose_name = "CoP Platform"

    def ready(self):
        from . import checks  # noqa: F401 - registers the deployment checks
        from .site_identity import site_sync_after_migrate

        # Sent for this app after the sites app's own receiver (INSTALLED_APPS order), so every
        # `migrate` leaves the Sites record following SITE_URL and SITE_NAME.
        post_migrate.connect(site_sync_after_migrate, sender=self, dispatch_uid="cop-site-identity")
