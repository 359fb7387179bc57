"""Reads that assemble the events pages: lists of occurrences with their counts, the one
event page, who is going. Everything goes through the visibility policy."""

from django.db.models import Count, Q

from .models import Occurrence, Rsvp, RsvpResponse


def occurrences_for_listing(*, community, user, past: bool):
    occurrences = Occurrence.objects.visible_to(user).filter(event__community=community)
    occurrences = occurrences.past() if past else occurrences.upcoming()
    return occurrences.for_listing().annotate(
        going_count=Count("rsvps", filter=Q(rsvps__response=RsvpResponse.GOING)),
    )


def choose_occurrence(event, occurrences, *, now):
    """The occurrence an event page shows by default: the next one still to happen (not
    cancelled when there is such), else the latest past one."""
    upcoming = [o for o in occurrences if o.ends_at > now]
    happening = [o for o in upcoming if not o.is_cancelled]
    if happening:
        return happening[0]
    if upcoming:
        return upcoming[0]
    return occurrences[-1] if occurrences else None


def rsvp_counts(occurrence) -> dict[str, int]:
    counts = dict(occurrence.rsvps.order_by().values_list("response").annotate(n=Count("pk")))
    return {value: counts.get(value, 0) for value in RsvpResponse.values}


def people(occurrence) -> dict[str, list]:
    """Who answered what (going, then the waiting list in order, then maybe), with names."""
    rsvps = (
        Rsvp.objects.filter(occurrence=occurrence)
        .exclude(response=RsvpResponse.NOT_GOING)
        .select_related("user")
        .order_by("waiting_since", "created_at", "pk")
    )
    grouped: dict[str, list] = {RsvpResponse.GOING: [], RsvpResponse.WAITING: [], RsvpResponse.MAYBE: []}
    for rsvp in rsvps:
        grouped[rsvp.response].append(rsvp.user)
    return grouped
