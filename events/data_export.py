"""What a member's data export holds from events: their answers, and the events they organised."""

from django.utils.translation import gettext_lazy as _

from members.data_export.registry import ExportSection

from .models import Event, Rsvp


def rsvps(user, archive):
    rows = Rsvp.objects.filter(user=user).select_related("occurrence__event__community").order_by("created_at")
    for rsvp in rows.iterator(chunk_size=500):
        occurrence = rsvp.occurrence
        yield {
            "event": occurrence.display_title,
            "community": occurrence.event.community.name,
            "starts_at": occurrence.starts_at.isoformat(),
            "response": rsvp.response,
            "waiting_since": rsvp.waiting_since.isoformat() if rsvp.waiting_since else None,
            "attended": rsvp.attended,
            "answered_at": rsvp.created_at.isoformat(),
        }


def organised(user, archive):
    events = Event.objects.filter(organiser=user).select_related("community").order_by("created_at")
    for event in events.iterator(chunk_size=500):
        yield {
            "title": event.title,
            "community": event.community.name,
            "description": event.description,
            "time_zone": event.time_zone,
            "starts_at": event.starts_at.isoformat(),
            "ends_at": event.ends_at.isoformat(),
            "recurrence": event.recurrence,
            "place": event.place,
            "meeting_url": event.meeting_url,
            "cancelled_at": event.cancelled_at.isoformat() if event.cancelled_at else None,
            "created_at": event.created_at.isoformat(),
        }


SECTIONS = (
    ExportSection("event_rsvps", _("Your answers to events (going, maybe, not going, waiting)"), rsvps, order=60),
    ExportSection("events_organised", _("Events you scheduled"), organised, order=61),
)
