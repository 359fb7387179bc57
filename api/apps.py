from django.apps import AppConfig


class ApiConfig(AppConfig):
    """The REST API under /api/v1/: requests turned into the same service calls the pages make."""

    name = "api"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from members.account_deletion import register_deletion_step
        from members.data_export.registry import register_export_section

        from . import data_export
        from .account_deletion import tokens_delete_with_account

        register_deletion_step(tokens_delete_with_account)
        register_export_section(*data_export.SECTIONS)
