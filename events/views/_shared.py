"""Helpers the events views share: fetching through the visibility policy (a 404 for what the
viewer may not see), who may change an event and the viewer's time zone."""

import zoneinfo

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404

from communities.models import Community
from communities.services import membership_of

from ..models import Event, Occurrence
from ..permissions import can_edit_event, can_see_event


def community_for_events(request, slug):
    """The community and the viewer's membership, when the viewer may see its events."""
    community = get_object_or_404(Community.objects.visible_to(request.user), slug=slug)
    membership = membership_of(request.user, community)
    if not can_see_event(request.user, community, membership):
        raise Http404("No events to show.")
    return community, membership


def visible_event(request, slug, event_id) -> Event:
    return get_object_or_404(
        Event.objects.visible_to(request.user).select_related("community", "organiser"),
        pk=event_id,
        community__slug=slug,
    )


def require_event_editor(request, event, *, refused: str) -> None:
    """PermissionDenied (with `refused` as its reason) unless the viewer may change `event`."""
    if not can_edit_event(request.user, event, membership_of(request.user, event.community)):
        raise PermissionDenied(refused)


def visible_occurrence(request, event, occurrence_id) -> Occurrence:
    occurrence = get_object_or_404(Occurrence.objects.filter(event=event), pk=occurrence_id)
    occurrence.event = event  # the event already fetched, with its community
    return occurrence


def viewer_zone(request, event=None):
    """Times are shown in the viewer's own zone; a visitor sees the event's zone."""
    if request.user.is_authenticated and request.user.time_zone:
        return zoneinfo.ZoneInfo(request.user.time_zone)
    return event.zone if event is not None else zoneinfo.ZoneInfo("UTC")
