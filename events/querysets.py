"""The visibility policy for events: an event, its occurrences and its RSVPs are visible
exactly where the community's content is (`Community.objects.content_visible_to`): public
communities' events to everybody, private and hidden ones' only to active members and staff.
Outsiders get a 404 for them everywhere (pages, .ics files, feeds, notifications)."""

from django.apps import apps
from django.db import models
from django.utils import timezone

from communities.models import Community


class EventQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Events `user` may see: the single place this rule lives."""
        return self.filter(community__in=Community.objects.content_visible_to(user))

    def live(self):
        return self.filter(cancelled_at=None)


class OccurrenceQuerySet(models.QuerySet):
    def visible_to(self, user):
        event = apps.get_model("events", "Event")
        return self.filter(event__in=event.objects.visible_to(user))

    def upcoming(self, now=None):
        """Not yet over (an occurrence in progress is still upcoming)."""
        return self.filter(ends_at__gt=now or timezone.now()).order_by("starts_at", "pk")

    def past(self, now=None):
        return self.filter(ends_at__lte=now or timezone.now()).order_by("-starts_at", "-pk")

    def happening(self):
        """Neither cancelled on its own nor with its event."""
        return self.filter(is_cancelled=False, event__cancelled_at=None)

    def for_listing(self):
        return self.select_related("event", "event__community").defer(
            "description", "description_html", "event__description", "event__description_html"
        )


class RsvpQuerySet(models.QuerySet):
    def going(self):
        return self.filter(response="going")

    def waiting(self):
        return self.filter(response="waiting").order_by("waiting_since", "pk")


def visible_occurrence_ids(user, ids) -> set[int]:
    """For members.notifications: which of these occurrence ids `user` may still see."""
    occurrence = apps.get_model("events", "Occurrence")
    return set(occurrence.objects.visible_to(user).filter(pk__in=ids).values_list("pk", flat=True))


def visible_rsvp_ids(user, ids) -> set[int]:
    """For members.notifications: which of these RSVPs are `user`'s own, on events they may see."""
    occurrence = apps.get_model("events", "Occurrence")
    rsvp = apps.get_model("events", "Rsvp")
    visible = occurrence.objects.visible_to(user)
    return set(rsvp.objects.filter(pk__in=ids, user=user, occurrence__in=visible).values_list("pk", flat=True))
