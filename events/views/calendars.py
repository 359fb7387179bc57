"""Calendar files: one event's .ics, a public community's feed, and each member's private
feed (a secret, revocable address), plus the settings page that shows and renews it."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from communities.models import Community
from communities.services import membership_of

from .. import calendars
from ..models import CalendarFeedKey, Event
from ..permissions import can_see_meeting_link
from ..services import calendar_feed_key_renew
from ._shared import visible_event

CONTENT_TYPE = "text/calendar; charset=utf-8"


def event_ics(request, slug, event_id):
    """The whole series as one file to import (Content-Disposition: attachment)."""
    event = visible_event(request, slug, event_id)
    with_links = can_see_meeting_link(request.user, event, membership_of(request.user, event.community))
    body = calendars.calendar_for(
        calendars.with_exceptions(Event.objects.filter(pk=event.pk)), name=event.title, with_links=with_links
    )
    response = HttpResponse(body, content_type=CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{slugify(event.title)[:60] or "event"}.ics"'
    return response


def community_feed(request, slug):
    """A public community's events, for anyone to subscribe to. A private or hidden
    community's feed does not exist (404): its members use their own feed."""
    community = get_object_or_404(Community.objects.filter(visibility="public"), slug=slug)
    events = calendars.feed_events(Event.objects.filter(community=community))
    body = calendars.calendar_for(
        events, name=_("%(community)s events") % {"community": community.name}, with_links=False
    )
    return HttpResponse(body, content_type=CONTENT_TYPE)


def member_feed(request, token):
    """Every event in the communities where the key's owner is an active member (public,
    private or hidden), with meeting links; cancelled ones stay, marked cancelled. The token
    is the only credential: a renewed key makes the old address a 404."""
    key = get_object_or_404(CalendarFeedKey.objects.select_related("user"), token=token)
    user = key.user
    if not user.is_active:
        raise Http404("No such calendar.")
    mine = Community.objects.filter(memberships__user=user, memberships__state="active")
    events = calendars.feed_events(Event.objects.visible_to(user).filter(community__in=mine))
    body = calendars.calendar_for(events, name=_("My community events"), with_links=True)
    response = HttpResponse(body, content_type=CONTENT_TYPE)
    response["Cache-Control"] = "private, max-age=900"
    return response


@login_required
def calendar_settings(request):
    """Settings › Calendar: the private feed address, and a button for a new one."""
    key = CalendarFeedKey.objects.filter(user=request.user).first()
    feed_url = request.build_absolute_uri(key_url(key)) if key else None
    return render(request, "events/calendar_settings.html", {"key": key, "feed_url": feed_url})


@require_POST
@login_required
def calendar_feed_renew(request):
    """Make (or replace) the private feed address; the old one stops working at once."""
    with transaction.atomic():
        calendar_feed_key_renew(actor=request.user)
    messages.success(request, _("Your calendar has a new address. The old one no longer works."))
    return redirect("events:calendar_settings")


def key_url(key) -> str:
    return reverse("events:member_feed", kwargs={"token": key.token})
