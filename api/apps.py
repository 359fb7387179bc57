from django.apps import AppConfig


class ApiConfig(AppConfig):
    """The REST API under /api/v1/: requests turned into the same service calls the pages make."""

    name = "api"
    default_auto_field = "django.db.models.BigAutoField"
