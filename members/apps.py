from django.apps import AppConfig


class MembersConfig(AppConfig):
    name = "members"
    verbose_name = "Members"

    def ready(self):
        from allauth.account.signals import email_changed, email_confirmed
        from django.db.models.signals import post_delete

        from . import (
            bouncing,
            search_sources,  # noqa: F401 - registers this app's search source(s)
        )
        from .data_export import lifecycle, registry, sections
        from .models import DataExport

        registry.register_export_section(*sections.SECTIONS, bouncing.EXPORT_SECTION)
        post_delete.connect(lifecycle.archive_delete_with_row, sender=DataExport, dispatch_uid="data_export_archive")
        # A confirmed or changed address is no longer bouncing (members/bouncing.py).
        email_confirmed.connect(bouncing.on_email_confirmed, dispatch_uid="bouncing_email_confirmed")
        email_changed.connect(bouncing.on_email_changed, dispatch_uid="bouncing_email_changed")
