from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy


class ResourcesConfig(AppConfig):
    name = "resources"
    verbose_name = _("Resource library")

    def ready(self):
        from django.core.signals import setting_changed
        from django.utils.functional import empty

        from communities.activity import ActivitySource, register_activity_source
        from communities.digests.registry import DigestSection, register_digest_section
        from communities.health.registry import register_health_source
        from communities.linkables import register_linkable
        from communities.origins import register_backlinks, register_follow_ups
        from communities.reminders.registry import register_activity
        from communities.sections import CommunitySection, register_section
        from communities.value.sources import StorySource, register_story_source
        from members.data_export.registry import register_export_section
        from members.expertise import register_evidence

        from . import activity, data_export, digest, health, linkables, reviews, search_sources  # noqa: F401 - search_sources registers this app's search source(s)
        from .expertise import PROVIDER as library_evidence
        from .models import Resource, library_storage
        from .selectors import community_home_section, document_this, documented_from, resources_as_story_sources

        def forget_library_storage(*, setting, **kwargs):
            if setting == "STORAGES":
                library_storage._wrapped = empty

        setting_changed.connect(forget_library_storage, weak=False)

        register_backlinks("resources", documented_from)
        register_linkable(linkables.KIND)  # events link notes, slides and recordings (events.harvest)
        register_health_source(health.SOURCE)
        # "This helped me" on a practice: a value-creation story names it (communities/value/).
        register_story_source(StorySource("resource", Resource, resources_as_story_sources))
        register_evidence(library_evidence)
        register_export_section(*data_export.SECTIONS)
        register_follow_ups("resources", document_this)
        register_section(
            CommunitySection(
                name="resources",
                template="resources/partials/_community_latest.html",
                context=community_home_section,
                order=20,
            )
        )
        register_digest_section(
            DigestSection(
                "new_resources",
                _("New in the library"),
                digest.new_resources,
                order=40,
                counted=ngettext_lazy("%(count)s new in the library", "%(count)s new in the library", "count"),
            )
        )
        register_activity("resources", contributors=digest.contributors, needs_attention=reviews.needs_attention)
        register_activity_source(ActivitySource("new_resources", activity.new_resources))
