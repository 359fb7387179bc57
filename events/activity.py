"""Events on the community page and the signed-in home (registered in events.wiring).

- The community page's "Upcoming events": the next three events (a series at its next date),
  for viewers who may read the community's content (communities.sections only asks for those).
- The activity home: "New event" items for events scheduled in the member's communities,
  while they are still ahead (communities.activity; one query).
"""

from zoneinfo import ZoneInfo

from django.db.models import Min, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext

from communities.activity import ActivityItem

from .models import Event, Occurrence
from .reminders import zone_of

COMMUNITY_SHOWN = 3
SCANNED = 30  # dates read to find the next three events, a weekly series taking several


def community_section(community, user) -> dict:
    """The next COMMUNITY_SHOWN events (a series once, at its next date), in the viewer's zone."""
    upcoming: list[Occurrence] = []
    for occurrence in (
        Occurrence.objects.happening().upcoming().filter(event__community=community).for_listing()[:SCANNED]
    ):
        if all(occurrence.event_id != shown.event_id for shown in upcoming):
            upcoming.append(occurrence)
        if len(upcoming) == COMMUNITY_SHOWN:
            break
    zone = zone_of(user) if user.is_authenticated else ZoneInfo("UTC")
    return {"community": community, "occurrences": upcoming, "zone": zone}


def new_events(user, community_ids, since, before, limit):
    now = timezone.now()
    upcoming = Q(occurrences__ends_at__gt=now, occurrences__is_cancelled=False)
    events = (
        Event.objects.visible_to(user)
        .live()
        .filter(community_id__in=community_ids, created_at__gte=since, created_at__lt=before)
        .exclude(organiser=user)
        .annotate(next_start=Min("occurrences__starts_at", filter=upcoming))
        .filter(next_start__isnull=False)
        .select_related("community")
        .only("pk", "title", "community_id", "community__slug", "created_at", "time_zone", "format")
        .order_by("-created_at", "-pk")[:limit]
    )
    return [
        ActivityItem(
            community_id=event.community_id,
            at=event.created_at,
            label=gettext("New event"),
            title=event.title,
            url=_event_path(event),
            detail=f"{date_format(event.next_start.astimezone(event.zone), 'D j M Y, H:i')} ({event.time_zone}) · "
            f"{event.get_format_display()}",
            key=f"event:{event.pk}",
        )
        for event in events
    ]


def _event_path(event) -> str:
    return reverse("events:detail", kwargs={"slug": event.community.slug, "event_id": event.pk})
