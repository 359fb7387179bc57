"""iCalendar (RFC 5545) files and feeds, built with the `icalendar` library.

One VEVENT per event carries the series: DTSTART/DTEND in the organiser's zone (with its
VTIMEZONE), the RRULE, an EXDATE for each cancelled occurrence, and an RDATE for an edited
occurrence whose original date the rule no longer gives. Each edited occurrence is a further
VEVENT with the same UID and a RECURRENCE-ID (its original start). The UID never changes;
SEQUENCE grows with every edit, so calendar apps replace what they had. A cancelled event is
STATUS:CANCELLED. Meeting links go only into calendars for people who may see them
(`with_links`).
"""

from datetime import UTC, timedelta

import icalendar
from django.conf import settings
from django.db.models import Prefetch, Q
from django.utils import timezone
from django.utils.translation import gettext

from . import recurrence
from .models import Event, Occurrence

PRODID = "-//CoP Platform//Events//EN"
FEED_PAST_DAYS = 60  # feeds keep events this long after their last date
FEED_MAX_EVENTS = 500


def _absolute(path: str) -> str:
    return f"{settings.SITE_URL}{path}"


def with_exceptions(events):
    """The query shape a calendar needs: the community, and only the exceptional occurrences
    (edited or cancelled), one extra query for all events."""
    exceptions = Occurrence.objects.filter(Q(is_cancelled=True) | Q(is_edited=True)).order_by("original_starts_at")
    return events.select_related("community").prefetch_related(
        Prefetch("occurrences", queryset=exceptions, to_attr="exceptions")
    )


def _description(text: str, url: str, meeting_url: str) -> str:
    parts = [text.strip()] if text.strip() else []
    if meeting_url:
        parts.append(gettext("Join: %(link)s") % {"link": meeting_url})
    parts.append(url)
    return "\n\n".join(parts)


def _location(place: str, meeting_url: str, with_links: bool) -> str:
    return place or (meeting_url if with_links else "")


def _vevent(event: Event, *, with_links: bool, stamp) -> list[icalendar.Event]:
    zone = event.zone
    url = _absolute(event.get_absolute_url())
    link = event.meeting_url if with_links else ""
    master = icalendar.Event()
    master.add("uid", event.uid)
    master.add("dtstamp", stamp)
    master.add("created", event.created_at.astimezone(UTC))
    master.add("last-modified", event.updated_at.astimezone(UTC))
    master.add("sequence", event.sequence)
    master.add("summary", event.title)
    master.add("url", url)
    master.add("description", _description(event.description, url, link))
    if location := _location(event.place, link, with_links):
        master.add("location", location)
    master.add("status", "CANCELLED" if event.cancelled_at else "CONFIRMED")
    exceptions = getattr(event, "exceptions", None)
    if exceptions is None:
        exceptions = list(event.occurrences.filter(Q(is_cancelled=True) | Q(is_edited=True)))
    if not event.recurrence:
        # A one-off: its single occurrence may have been edited on its own.
        only = exceptions[0] if exceptions and exceptions[0].is_edited else None
        starts_at, ends_at = (only.starts_at, only.ends_at) if only else (event.starts_at, event.ends_at)
        master.add("dtstart", starts_at.astimezone(zone))
        master.add("dtend", ends_at.astimezone(zone))
        return [master]
    master.add("dtstart", event.starts_at.astimezone(zone))
    master.add("dtend", event.ends_at.astimezone(zone))
    master.add("rrule", icalendar.vRecur.from_ical(event.recurrence))
    rule = recurrence.build_rule(event.recurrence, event.starts_at.astimezone(zone))
    components = [master]
    for occurrence in exceptions:
        original = occurrence.original_starts_at.astimezone(zone)
        in_rule = rule.after(original - timedelta(seconds=1), inc=True) == original
        if occurrence.is_cancelled:
            if in_rule:
                master.add("exdate", original)
            continue
        if not in_rule:
            master.add("rdate", original)
        components.append(_override(event, occurrence, original, with_links=with_links, stamp=stamp))
    return components


def _override(event, occurrence, original, *, with_links, stamp) -> icalendar.Event:
    zone = event.zone
    url = _absolute(occurrence.get_absolute_url())
    link = occurrence.display_meeting_url if with_links else ""
    component = icalendar.Event()
    component.add("uid", event.uid)
    component.add("recurrence-id", original)
    component.add("dtstamp", stamp)
    component.add("last-modified", occurrence.updated_at.astimezone(UTC))
    component.add("sequence", event.sequence)
    component.add("summary", occurrence.display_title)
    component.add("url", url)
    component.add("description", _description(occurrence.description or event.description, url, link))
    if location := _location(occurrence.display_place, link, with_links):
        component.add("location", location)
    component.add("status", "CANCELLED" if event.cancelled_at else "CONFIRMED")
    component.add("dtstart", occurrence.starts_at.astimezone(zone))
    component.add("dtend", occurrence.ends_at.astimezone(zone))
    return component


def calendar_for(events, *, name: str, with_links: bool) -> bytes:
    """A VCALENDAR (METHOD:PUBLISH) with the given events and the VTIMEZONEs they use."""
    calendar = icalendar.Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", name)
    stamp = timezone.now().astimezone(UTC)
    for event in events:
        for component in _vevent(event, with_links=with_links, stamp=stamp):
            calendar.add_component(component)
    calendar.add_missing_timezones()
    return calendar.to_ical()


def feed_events(events):
    """Events worth a feed: not long over, newest schedule first, capped."""
    since = timezone.now() - timedelta(days=FEED_PAST_DAYS)
    recent = Occurrence.objects.filter(ends_at__gte=since).values("event_id")
    return with_exceptions(events.filter(pk__in=recent).order_by("-starts_at"))[:FEED_MAX_EVENTS]
