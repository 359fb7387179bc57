from django.apps import AppConfig


class ResourcesConfig(AppConfig):
    name = "resources"
    verbose_name = "Resource library"

    def ready(self):
        from django.core.signals import setting_changed
        from django.utils.functional import empty

        from .models import library_storage

        def forget_library_storage(*, setting, **kwargs):
            if setting == "STORAGES":
                library_storage._wrapped = empty

        setting_changed.connect(forget_library_storage, weak=False)
        from communities.origins import register_backlinks, register_follow_ups
        from communities.sections import CommunitySection, register_section
        from members.expertise import register_evidence

        from .expertise import PROVIDER as library_evidence
        from .selectors import community_home_section, document_this, documented_from

        register_backlinks("resources", documented_from)
        register_evidence(library_evidence)
        register_follow_ups("resources", document_this)
        register_section(
            CommunitySection(
                name="resources",
                template="resources/partials/_community_latest.html",
                context=community_home_section,
                order=20,
            )
        )
