"""The events pages: a community's list, one event (and one occurrence), scheduling and
editing, cancelling with a confirmation, and RSVPs (plain POST forms, no JavaScript needed)."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext
from django.views.decorators.http import require_POST

from communities.forms import submit_form
from communities.permissions import why_not_active
from communities.services import membership_of

from .. import rsvp as rsvp_service
from .. import selectors, services
from ..forms import EventForm, OccurrenceForm, RsvpForm
from ..models import Rsvp, RsvpResponse
from ..permissions import can_edit_event, can_rsvp, can_schedule, can_see_attendees, can_see_meeting_link
from ._shared import (
    community_for_events,
    require_event_editor,
    viewer_zone,
    visible_event,
    visible_occurrence,
)


def event_list(request, slug):
    """Upcoming occurrences (a series shows each of its dates), or the past ones."""
    community, membership = community_for_events(request, slug)
    past = request.GET.get("when") == "past"
    occurrences = selectors.occurrences_for_listing(community=community, user=request.user, past=past)
    page_obj = Paginator(occurrences, settings.EVENTS_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "events/event_list.html",
        {
            "community": community,
            "membership": membership,
            "page_obj": page_obj,
            "past": past,
            "query": "when=past" if past else "",
            "zone": viewer_zone(request),
            "can_schedule": can_schedule(request.user, community, membership),
        },
    )


def event_detail(request, slug, event_id, occurrence_id=None):
    """One event: the chosen occurrence (the next one by default), its RSVPs, and the next
    dates of a series."""
    event = visible_event(request, slug, event_id)
    occurrence_id = occurrence_id or request.GET.get("occurrence")
    now = timezone.now()
    upcoming = list(event.occurrences.upcoming(now)[:12])
    if occurrence_id:
        if not str(occurrence_id).isdigit():
            raise Http404("No such occurrence.")
        occurrence = visible_occurrence(request, event, occurrence_id)
    else:
        occurrence = (
            selectors.choose_occurrence(event, upcoming, now=now) or event.occurrences.order_by("-starts_at").first()
        )
    if occurrence is None:
        raise Http404("This event has no dates.")
    occurrence.event = event
    for other in upcoming:
        other.event = event
    membership = membership_of(request.user, event.community)
    zone = viewer_zone(request, event)
    context = {
        **_answers_context(request, occurrence, membership),
        "upcoming": upcoming,
        "zone": zone,
        "organiser_zone": event.zone if event.zone.key != zone.key else None,
        "can_edit": can_edit_event(request.user, event, membership),
        "show_link": can_see_meeting_link(request.user, event, membership),
    }
    return render(request, "events/event_detail.html", context)


def _answers_context(request, occurrence, membership, notice: str = "") -> dict:
    """What the answers box (templates/events/partials/_rsvp.html) shows: the viewer's answer,
    places, the buttons or why not, and who is going."""
    event, user = occurrence.event, request.user
    my_rsvp = Rsvp.objects.filter(occurrence=occurrence, user=user).first() if user.is_authenticated else None
    counts = selectors.rsvp_counts(occurrence)
    waiting_position = None
    if my_rsvp and my_rsvp.response == RsvpResponse.WAITING:
        ahead = occurrence.rsvps.filter(response=RsvpResponse.WAITING, waiting_since__lt=my_rsvp.waiting_since)
        waiting_position = ahead.count() + 1
    allowed = can_rsvp(user, event, membership)
    refusal = None if allowed or not user.is_authenticated else why_not_active(membership, action="answer")[0]
    return {
        "community": event.community,
        "event": event,
        "occurrence": occurrence,
        "my_rsvp": my_rsvp,
        "waiting_position": waiting_position,
        "counts": counts,
        "seats_left": rsvp_service.seats_left(occurrence, going=counts[RsvpResponse.GOING]),
        "people": selectors.people(occurrence) if can_see_attendees(user, event, membership) else None,
        "can_rsvp": allowed,
        "rsvp_refusal": refusal,
        "rsvp_choices": RsvpForm().fields["response"].choices,
        "rsvp_notice": notice,
    }


@login_required
def event_new(request, slug):
    community, membership = community_for_events(request, slug)
    if not can_schedule(request.user, community, membership):
        raise PermissionDenied(gettext("You cannot schedule events in this community."))
    if request.method == "POST":
        form = EventForm(request.POST)
        event = submit_form(
            form, lambda _: services.event_create(actor=request.user, community=community, **form.service_fields())
        )
        if event:
            messages.success(request, gettext("Event scheduled."))
            return redirect(event.get_absolute_url())
    else:
        form = EventForm(initial={"time_zone": request.user.time_zone or "UTC"})
    return render(request, "events/event_form.html", {"community": community, "form": form, "event": None})


@login_required
def event_edit(request, slug, event_id):
    event = visible_event(request, slug, event_id)
    require_event_editor(request, event, refused=gettext("You cannot edit this event."))
    if request.method == "POST":
        form = EventForm(request.POST)
        if submit_form(form, lambda _: services.event_update(actor=request.user, event=event, **form.service_fields())):
            messages.success(request, gettext("Event updated."))
            return redirect(event.get_absolute_url())
    else:
        form = EventForm(initial=EventForm.initial_for(event))
    return render(request, "events/event_form.html", {"community": event.community, "form": form, "event": event})


@login_required
def event_cancel(request, slug, event_id):
    """GET asks for confirmation; POST cancels (or, with restore, undoes it)."""
    event = visible_event(request, slug, event_id)
    require_event_editor(request, event, refused=gettext("You cannot cancel this event."))
    if request.method == "POST":
        if request.POST.get("restore"):
            services.event_restore(actor=request.user, event=event)
            messages.success(request, gettext("The event is back on."))
        else:
            services.event_cancel(actor=request.user, event=event)
            messages.success(request, gettext("Event cancelled. People who said they were going will be told."))
        return redirect(event.get_absolute_url())
    return render(request, "events/event_cancel.html", {"community": event.community, "event": event})


@login_required
def occurrence_edit(request, slug, event_id, occurrence_id):
    event = visible_event(request, slug, event_id)
    occurrence = visible_occurrence(request, event, occurrence_id)
    require_event_editor(request, event, refused=gettext("You cannot edit this event."))
    if request.method == "POST":
        form = OccurrenceForm(request.POST, zone=event.zone)
        if submit_form(
            form, lambda data: services.occurrence_update(actor=request.user, occurrence=occurrence, **data)
        ):
            messages.success(request, gettext("This date is updated."))
            return redirect(occurrence.get_absolute_url())
    else:
        form = OccurrenceForm(initial=OccurrenceForm.initial_for(occurrence), zone=event.zone)
    context = {"community": event.community, "event": event, "occurrence": occurrence, "form": form}
    return render(request, "events/occurrence_form.html", context)


@login_required
def occurrence_cancel(request, slug, event_id, occurrence_id):
    event = visible_event(request, slug, event_id)
    occurrence = visible_occurrence(request, event, occurrence_id)
    require_event_editor(request, event, refused=gettext("You cannot cancel this event."))
    if request.method == "POST":
        if request.POST.get("restore"):
            services.occurrence_restore(actor=request.user, occurrence=occurrence)
            messages.success(request, gettext("This date is back on."))
        else:
            services.occurrence_cancel(actor=request.user, occurrence=occurrence)
            messages.success(request, gettext("This date is cancelled."))
        return redirect(occurrence.get_absolute_url())
    context = {
        "community": event.community,
        "event": event,
        "occurrence": occurrence,
        "zone": viewer_zone(request, event),
    }
    return render(request, "events/occurrence_cancel.html", context)


@require_POST
@login_required
def rsvp(request, slug, event_id, occurrence_id):
    """Answer, change the answer, or withdraw it (response "withdraw"). A plain form post
    redirects back to the date; with htmx the answers box is swapped in place."""
    event = visible_event(request, slug, event_id)
    occurrence = visible_occurrence(request, event, occurrence_id)
    response = request.POST.get("response", "")
    error = False
    if response == "withdraw":
        rsvp_service.rsvp_withdraw(actor=request.user, occurrence=occurrence)
        notice = gettext("Your answer is withdrawn.")
    elif not (form := RsvpForm(request.POST)).is_valid():
        notice, error = gettext("Choose going, maybe or not going."), True
    else:
        try:
            answer = rsvp_service.rsvp_set(
                actor=request.user, occurrence=occurrence, response=form.cleaned_data["response"]
            )
        except ValidationError as refusal:
            notice, error = " ".join(refusal.messages), True
        else:
            if answer.response == RsvpResponse.WAITING:
                notice = gettext("It is full: you are on the waiting list. We will tell you if a place opens up.")
            else:
                notice = gettext("Your answer: %(answer)s.") % {"answer": str(answer.get_response_display()).lower()}
    if request.htmx:
        membership = membership_of(request.user, event.community)
        context = _answers_context(request, occurrence, membership, notice=notice)
        return render(request, "events/partials/_rsvp.html", context, status=400 if error else 200)
    (messages.error if error else messages.success)(request, notice)
    return redirect(occurrence.get_absolute_url())
