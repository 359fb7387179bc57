"""New events for a community's Atom feed (cop_platform.feeds, which combines them with threads
and resources). Entries come through the events' visibility policy as the given reader (the
feed's anonymous one), so a private community's events never reach a feed; the meeting link is
never in a feed (only active members may see it), the description is the sanitised HTML stored
on save. Cancelled events are left out."""

from django.utils.formats import date_format
from django.utils.text import Truncator
from django.utils.translation import gettext

from .models import Event

EXCERPT_WORDS = 120


def event_feed_entries(community, reader, *, limit: int) -> list[dict]:
    events = (
        Event.objects.visible_to(reader)
        .live()
        .filter(community=community)
        .select_related("organiser", "community")
        .order_by("-created_at", "-pk")[:limit]
    )
    entries = []
    for event in events:
        when = event.starts_at.astimezone(event.zone)
        heading = f"<p>{date_format(when, 'l j F Y, H:i')} ({event.time_zone}) · {event.get_format_display()}</p>"
        entries.append(
            {
                "title": gettext("Event: %(title)s") % {"title": event.title},
                "link": event.get_absolute_url(),
                "description": heading
                + Truncator(event.description_html).words(EXCERPT_WORDS, html=True, truncate=" …"),
                "published": event.created_at,
                "author": event.organiser.name if event.organiser else "",
                "community": event.community.name,
            }
        )
    return entries
