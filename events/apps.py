from django.apps import AppConfig


class EventsConfig(AppConfig):
    name = "events"
    verbose_name = "Events and meetings"

    def ready(self):
        from members.notifications import register_target

        from .models import Occurrence, Rsvp
        from .querysets import visible_occurrence_ids, visible_rsvp_ids

        def occurrence_community_ids(ids):
            return dict(Occurrence.objects.filter(pk__in=ids).values_list("pk", "event__community_id"))

        def rsvp_community_ids(ids):
            return dict(Rsvp.objects.filter(pk__in=ids).values_list("pk", "occurrence__event__community_id"))

        # Notifications about an occurrence (a change, a cancellation: events-life) and about
        # one's own RSVP (a place opened up) show only while the recipient may see the event.
        register_target(Occurrence, visible_occurrence_ids, community_ids=occurrence_community_ids)
        register_target(Rsvp, visible_rsvp_ids, community_ids=rsvp_community_ids)

        from .wiring import connect  # events-life: notices, reminders, harvest, integrations

        connect()
