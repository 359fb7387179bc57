from django.apps import AppConfig


class WebhooksConfig(AppConfig):
    """Signed HTTPS deliveries of what happens in a community, to endpoints its coordinators register."""

    name = "webhooks"
    default_auto_field = "django.db.models.BigAutoField"
