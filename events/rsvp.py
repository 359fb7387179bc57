"""RSVPs and the waiting list.

A member answers going, maybe or not going for one occurrence. With a capacity, "going"
beyond it puts the member on the waiting list (response WAITING, ordered by waiting_since).
When a going member leaves (withdraws, says maybe or not going) or the capacity grows, the
first waiting members move up at once and are told (a members Notification of kind EVENT,
emailed as their preferences say).

Seats are counted and taken with the occurrence row locked (`select_for_update`), in one
transaction, so two people never both take the last seat (on Postgres; SQLite serialises
writers anyway). A capacity lowered below the number going sends nobody away: it only stops
new seats until enough leave.
"""

from zoneinfo import ZoneInfo

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from communities.services import membership_of
from members.language import override_for
from members.models import NotificationKind
from members.notifications import notification_create
from members.tasks import queue_notification_emails

from . import signals
from .models import Event, Occurrence, Rsvp, RsvpResponse
from .permissions import can_rsvp

ANSWERS = (RsvpResponse.GOING, RsvpResponse.MAYBE, RsvpResponse.NOT_GOING)


def rsvp_set(*, actor, occurrence: Occurrence, response: str) -> Rsvp:
    """Answer for one occurrence. "going" when it is full puts you on the waiting list (or
    keeps your place on it); leaving "going" gives your seat to the first person waiting."""
    if response not in ANSWERS:
        raise ValidationError({"response": _("Choose going, maybe or not going.")})
    event = occurrence.event
    if not can_rsvp(actor, event, membership_of(actor, event.community)):
        raise PermissionDenied(_("Join this community to answer."))
    with transaction.atomic():
        occurrence = _lock(occurrence)
        if occurrence.is_off:
            raise ValidationError({"response": _("This event is cancelled.")})
        if occurrence.is_past:
            raise ValidationError({"response": _("This event is over.")})
        rsvp = Rsvp.objects.filter(occurrence=occurrence, user=actor).first()
        previous = rsvp.response if rsvp else None
        if response == RsvpResponse.GOING and previous in (RsvpResponse.GOING, RsvpResponse.WAITING):
            return rsvp
        if rsvp is None:
            rsvp = Rsvp(occurrence=occurrence, user=actor)
        if response == RsvpResponse.GOING and not _has_seat(occurrence):
            rsvp.response, rsvp.waiting_since = RsvpResponse.WAITING, timezone.now()
        else:
            rsvp.response, rsvp.waiting_since = response, None
        rsvp.save()
        signals.rsvp_changed.send(sender=Rsvp, rsvp=rsvp, previous=previous, promoted=False)
        if previous == RsvpResponse.GOING and rsvp.response != RsvpResponse.GOING:
            _promote(occurrence)
    return rsvp


def rsvp_withdraw(*, actor, occurrence: Occurrence) -> None:
    """Take back your answer altogether (leaving the waiting list, or giving up your seat)."""
    with transaction.atomic():
        occurrence = _lock(occurrence)
        rsvp = Rsvp.objects.filter(occurrence=occurrence, user=actor).first()
        if rsvp is None:
            return
        previous = rsvp.response
        rsvp.delete()
        signals.rsvp_changed.send(sender=Rsvp, rsvp=rsvp, previous=previous, promoted=False)
        if previous == RsvpResponse.GOING and not occurrence.is_past:
            _promote(occurrence)


def waiting_list_promote_all(event: Event) -> int:
    """After the capacity changed: move people up on every future occurrence. Call inside the
    transaction that changed it."""
    promoted = 0
    for occurrence in event.occurrences.upcoming().filter(rsvps__response=RsvpResponse.WAITING).distinct():
        promoted += len(_promote(_lock(occurrence)))
    return promoted


def seats_left(occurrence: Occurrence, *, going: int | None = None) -> int | None:
    capacity = occurrence.event.capacity
    if capacity is None:
        return None
    if going is None:
        going = occurrence.rsvps.going().count()
    return max(capacity - going, 0)


def _lock(occurrence: Occurrence) -> Occurrence:
    """The occurrence row, locked until the transaction ends: every seat is taken under it."""
    return Occurrence.objects.select_for_update().select_related("event", "event__community").get(pk=occurrence.pk)


def _has_seat(occurrence: Occurrence) -> bool:
    left = seats_left(occurrence)
    return left is None or left > 0


def _promote(occurrence: Occurrence) -> list[Rsvp]:
    """Move the first waiting members up while there are seats; tell each of them."""
    promoted = []
    while _has_seat(occurrence):
        first = occurrence.rsvps.waiting().select_related("user").first()
        if first is None:
            break
        first.response, first.waiting_since = RsvpResponse.GOING, None
        first.save(update_fields=["response", "waiting_since", "updated_at"])
        promoted.append(first)
        signals.rsvp_changed.send(sender=Rsvp, rsvp=first, previous=RsvpResponse.WAITING, promoted=True)
        _tell_promoted(first, occurrence)
    return promoted


def _tell_promoted(rsvp: Rsvp, occurrence: Occurrence) -> None:
    local = occurrence.starts_at.astimezone(ZoneInfo(rsvp.user.time_zone or "UTC"))
    with override_for(rsvp.user):  # in the member's language, day and month names too
        when = date_format(local, "l j F, H:i")
        title = _("A place opened up: you are going to “%(title)s” on %(when)s") % {
            "title": occurrence.display_title,
            "when": when,
        }
    notification_create(
        recipient=rsvp.user,
        actor=None,
        kind=NotificationKind.EVENT,
        target=rsvp,
        title=title,
        url=occurrence.get_absolute_url(),
    )
    # Emailed at once, in the digest or not at all, as the member's "event news" preference says.
    queue_notification_emails([(rsvp.user_id, NotificationKind.EVENT)])


def rsvps_release(*, user, community_id: int | None = None) -> int:
    """Withdraw `user`'s answers to dates still to come (in one community, or everywhere), so
    their seats go to the people waiting. Past answers stay (attendance is recorded on them).
    Called when a member leaves or is removed or banned, and before an account is deleted."""
    upcoming = Rsvp.objects.filter(user=user, occurrence__ends_at__gt=timezone.now())
    if community_id is not None:
        upcoming = upcoming.filter(occurrence__event__community_id=community_id)
    released = 0
    for occurrence in Occurrence.objects.filter(pk__in=upcoming.values("occurrence_id")).order_by("pk"):
        rsvp_withdraw(actor=user, occurrence=occurrence)
        released += 1
    return released


def rsvps_release_with_account(user) -> None:
    """Account deletion step: free the member's seats before their rows go."""
    rsvps_release(user=user)
