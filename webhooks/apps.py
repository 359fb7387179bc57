from django.apps import AppConfig


class WebhooksConfig(AppConfig):
    """Signed HTTPS deliveries of what happens in a community, to endpoints its coordinators register."""

    name = "webhooks"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from django.db.models.signals import post_save

        from communities.models import Membership
        from communities.sections import CommunitySection, register_section
        from discussions.models import Flag
        from discussions.post_hooks import register_post_created
        from events.signals import event_created
        from members.account_deletion import register_deletion_step
        from members.data_export.registry import register_export_section
        from members.notifications import register_target
        from resources.models import Resource

        from . import data_export, hooks
        from .account_deletion import endpoints_disable_with_account
        from .models import Endpoint
        from .notices import visible_endpoint_ids
        from .views import community_section

        register_post_created("webhooks", hooks.on_post_created)
        post_save.connect(hooks.on_membership_saved, sender=Membership, dispatch_uid="webhooks.member_joined")
        post_save.connect(hooks.on_resource_saved, sender=Resource, dispatch_uid="webhooks.resource_added")
        post_save.connect(hooks.on_flag_saved, sender=Flag, dispatch_uid="webhooks.flag_raised")
        event_created.connect(hooks.on_event_created, dispatch_uid="webhooks.event_created")
        register_target(Endpoint, visible_endpoint_ids)
        register_deletion_step(endpoints_disable_with_account)
        register_export_section(*data_export.SECTIONS)
        register_section(
            CommunitySection(
                name="webhooks",
                template="webhooks/partials/_community_webhooks.html",
                context=community_section,
                order=95,
            )
        )
