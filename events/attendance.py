"""Attendance: after an occurrence has started, its organiser or the community's coordinators
record who came. The list offers everyone who answered (going, maybe, waiting, not going) and
lets them add members who came without answering; saving sets `Rsvp.attended` for each of
them (True or False) and stamps `Occurrence.attendance_recorded_at`. Saving again replaces the
record (a correction), never adds to it.
"""

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from communities.models import Membership, MembershipState
from communities.services import membership_of

from .models import Occurrence, Rsvp, RsvpResponse
from .permissions import can_edit_event

RESPONSE_ORDER = {RsvpResponse.GOING: 0, RsvpResponse.MAYBE: 1, RsvpResponse.WAITING: 2, RsvpResponse.NOT_GOING: 3}


def can_record_attendance(user, occurrence: Occurrence, membership=None) -> bool:
    if not (user and user.is_authenticated):
        return False
    event = occurrence.event
    return can_edit_event(user, event, membership if membership is not None else membership_of(user, event.community))


def attendance_list(occurrence: Occurrence) -> list[Rsvp]:
    """Everyone who answered or was recorded, going first, then by name (one query)."""
    rsvps = list(Rsvp.objects.filter(occurrence=occurrence).select_related("user"))
    return sorted(rsvps, key=lambda r: (RESPONSE_ORDER.get(r.response, 9), r.user.name.lower(), r.pk))


def members_by_username(occurrence: Occurrence, usernames: list[str]) -> list:
    """Active members of the occurrence's community with these usernames (any case, a leading
    @ allowed); ValidationError naming the ones that are not."""
    wanted = {name.strip().lstrip("@").lower() for name in usernames if name.strip()}
    if not wanted:
        return []
    matches = Q()
    for name in wanted:
        matches |= Q(username__iexact=name)
    users = list(
        get_user_model().objects.filter(
            matches,
            pk__in=Membership.objects.filter(
                community_id=occurrence.event.community_id, state=MembershipState.ACTIVE
            ).values("user_id"),
        )
    )
    missing = sorted(wanted - {user.username.lower() for user in users})
    if missing:
        raise ValidationError(
            _("Not an active member of this community: %(names)s."), params={"names": ", ".join(missing)}
        )
    return users


def attendance_record(*, actor, occurrence: Occurrence, attended_ids, added_usernames=()) -> Occurrence:
    """Record who attended `occurrence`: `attended_ids` are user ids from the list (everyone
    else on it did not attend); `added_usernames` are members who came without answering, added
    as attended. Only the organiser, coordinators and staff; only once it has started; not for
    a cancelled occurrence."""
    if not can_record_attendance(actor, occurrence):
        raise PermissionDenied(_("Only the event's organiser and the community's coordinators record attendance."))
    now = timezone.now()
    if occurrence.starts_at > now:
        raise ValidationError(_("Attendance can be recorded once the event has started."))
    if occurrence.is_off:
        raise ValidationError(_("This occurrence was cancelled: there is no attendance to record."))
    added = members_by_username(occurrence, list(added_usernames))
    attended_ids = {int(pk) for pk in attended_ids}
    with transaction.atomic():
        occurrence = Occurrence.objects.select_for_update().select_related("event__community").get(pk=occurrence.pk)
        rsvps = Rsvp.objects.filter(occurrence=occurrence)
        rsvps.filter(user_id__in=attended_ids).update(attended=True, updated_at=now)
        rsvps.exclude(user_id__in=attended_ids).update(attended=False, updated_at=now)
        existing = set(rsvps.values_list("user_id", flat=True))
        Rsvp.objects.bulk_create(
            [
                # They came without answering: recorded as going, which is what they did.
                Rsvp(occurrence=occurrence, user=user, response=RsvpResponse.GOING, attended=True, created_at=now)
                for user in added
                if user.pk not in existing
            ]
        )
        rsvps.filter(user_id__in=[u.pk for u in added]).update(attended=True, updated_at=now)
        occurrence.attendance_recorded_at = now
        occurrence.save(update_fields=["attendance_recorded_at", "updated_at"])
    return occurrence
