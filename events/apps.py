from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EventsConfig(AppConfig):
    name = "events"
    verbose_name = _("Events and meetings")

    def ready(self):
        from django.db.models.signals import post_delete, post_save

        from communities.models import Membership
        from members.account_deletion import register_deletion_step
        from members.data_export.registry import register_export_section
        from members.notifications import register_target

        from . import data_export
        from .models import Occurrence, Rsvp
        from .querysets import visible_occurrence_ids, visible_rsvp_ids
        from .rsvp import rsvps_release, rsvps_release_with_account

        def occurrence_community_ids(ids):
            return dict(Occurrence.objects.filter(pk__in=ids).values_list("pk", "event__community_id"))

        def rsvp_community_ids(ids):
            return dict(Rsvp.objects.filter(pk__in=ids).values_list("pk", "occurrence__event__community_id"))

        # Notifications about an occurrence (a change, a cancellation: events-life) and about
        # one's own RSVP (a place opened up) show only while the recipient may see the event.
        register_target(Occurrence, visible_occurrence_ids, community_ids=occurrence_community_ids)
        register_target(Rsvp, visible_rsvp_ids, community_ids=rsvp_community_ids)

        def membership_ended(sender, instance, **kwargs):
            """A member who leaves, is removed or is banned gives up their seats to come."""
            if kwargs.get("created") or (kwargs.get("signal") is post_save and instance.state == "active"):
                return
            rsvps_release(user=instance.user, community_id=instance.community_id)

        post_delete.connect(membership_ended, sender=Membership, dispatch_uid="events_release_on_leave")
        post_save.connect(membership_ended, sender=Membership, dispatch_uid="events_release_on_ban")
        register_deletion_step(rsvps_release_with_account)
        register_export_section(*data_export.SECTIONS)

        from .wiring import connect  # events-life: notices, reminders, harvest, integrations

        connect()
