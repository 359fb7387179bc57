"""The digest's "Upcoming events" section (communities.digests.registry, registered in
events.wiring): occurrences starting in the period after the digest, so a daily digest shows
tomorrow's meetings and a weekly one the coming week's, and no occurrence appears in two
digests of the same member; plus events scheduled during the period that start later. What it
returns is readable by every active member of the community (events are visible wherever the
community's content is); cancelled events and occurrences are left out."""

from datetime import datetime

from django.db.models import F, Q
from django.utils.formats import date_format

from communities.digests.registry import DigestItem, group_by_community, top_per_community

from .models import Occurrence

PER_COMMUNITY = 5


def _detail(occurrence: Occurrence) -> str:
    event = occurrence.event
    local = occurrence.starts_at.astimezone(event.zone)
    where = occurrence.display_place if event.format != "online" else ""
    return f"{date_format(local, 'D j M, H:i')} ({event.time_zone}) · {event.get_format_display()}" + (
        f" · {where}" if where else ""
    )


def upcoming_events(community_ids: list[int], since: datetime, until: datetime) -> dict[int, list[DigestItem]]:
    period = until - since
    soon = F("starts_at").asc()
    occurrences = top_per_community(
        Occurrence.objects.happening()
        .filter(event__community_id__in=community_ids)
        .filter(starts_at__gte=until)
        .filter(_soon_or_new(until, period, since))
        .annotate(community_id=F("event__community_id"))
        .for_listing(),
        order_by=[soon, F("pk").asc()],
        limit=PER_COMMUNITY,
    )
    seen: set[int] = set()
    items = []
    for occurrence in occurrences:
        if occurrence.event_id in seen:  # a weekly series: its next occurrence is enough
            continue
        seen.add(occurrence.event_id)
        items.append(
            DigestItem(
                community_id=occurrence.community_id,
                title=occurrence.display_title,
                url=occurrence.get_absolute_url(),
                detail=_detail(occurrence),
                author_id=occurrence.event.organiser_id,
            )
        )
    return group_by_community(items)


def _soon_or_new(until: datetime, period, since: datetime):
    """Starting within the next period, or of an event scheduled during this one."""
    return Q(starts_at__lt=until + period) | Q(event__created_at__gte=since, event__created_at__lt=until)
