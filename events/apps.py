from django.apps import AppConfig


class EventsConfig(AppConfig):
    name = "events"
    verbose_name = "Events and meetings"

    def ready(self):
        from members.notifications import register_target

        from .models import Occurrence
        from .querysets import visible_occurrence_ids

        def occurrence_community_ids(ids):
            return dict(Occurrence.objects.filter(pk__in=ids).values_list("pk", "event__community_id"))

        # Notifications about an occurrence (a place opened up, a change) show only while the
        # recipient may still see the event.
        register_target(Occurrence, visible_occurrence_ids, community_ids=occurrence_community_ids)
