"""Every write to events: scheduling, editing and cancelling a series or one occurrence, and
keeping the materialised occurrences in step with the rule. RSVPs are in events.rsvp.

Each service checks permissions (PermissionDenied) and validates (ValidationError with
field messages, so forms can show them next to the field), writes in one transaction, and
sends the events.signals that notices and reminders listen to.
"""

from collections import defaultdict
from datetime import datetime

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from communities.services import membership_of
from cop_platform.markdown import render_markdown

from . import recurrence, signals
from .models import CalendarFeedKey, Event, EventFormat, Occurrence, new_feed_token
from .permissions import can_edit_event, can_schedule
from .rsvp import waiting_list_promote_all

EVENT_FIELDS = (
    "title",
    "description",
    "time_zone",
    "starts_at",
    "ends_at",
    "format",
    "place",
    "meeting_url",
    "capacity",
    "recurrence",
)
SCHEDULE_FIELDS = {"time_zone", "starts_at", "ends_at", "recurrence"}
OCCURRENCE_FIELDS = ("starts_at", "ends_at", "title", "place", "meeting_url", "description")


def _validate_event(event: Event) -> None:
    """Field rules the form and the model share, plus those across fields, as one
    ValidationError keyed by field."""
    errors: dict[str, list] = defaultdict(list)
    try:
        event.full_clean(exclude=["community", "organiser", "recurrence"], validate_constraints=False)
    except ValidationError as error:
        for field, messages in error.message_dict.items():
            errors[field].extend(messages)
    if event.starts_at and event.ends_at and event.ends_at <= event.starts_at:
        errors["ends_at"].append(_("The event must end after it starts."))
    if event.capacity == 0:
        errors["capacity"].append(_("Give at least one place, or leave it empty for no limit."))
    if event.format in (EventFormat.IN_PERSON, EventFormat.HYBRID) and not event.place.strip():
        errors["place"].append(_("Say where people meet."))
    if event.recurrence and "time_zone" not in errors and event.starts_at:
        try:
            event.recurrence = recurrence.validate_rule(
                event.recurrence, dtstart=event.starts_at.astimezone(event.zone)
            )
        except ValidationError as error:
            errors["recurrence"].extend(error.messages)
    if errors:
        raise ValidationError(dict(errors))


def event_create(*, actor, community, **fields) -> Event:
    """Schedule an event (a one-off or a series) in `community`. Coordinators may, and members
    when the community allows it. Creates its occurrences up to the horizon."""
    if not can_schedule(actor, community, membership_of(actor, community)):
        raise PermissionDenied(_("You cannot schedule events in this community."))
    event = Event(
        community=community, organiser=actor, **{name: fields[name] for name in fields if name in EVENT_FIELDS}
    )
    event.recurrence = recurrence.normalise_rule(event.recurrence)
    _validate_event(event)
    event.description_html = render_markdown(event.description)
    with transaction.atomic():
        event.save()
        _sync_occurrences(event, actor=actor, now=timezone.now(), initial=True)
        signals.event_created.send(sender=Event, event=event, actor=actor)
    return event


def event_update(*, actor, event: Event, **fields) -> Event:
    """Edit a series. Future occurrences follow the new schedule (edited and cancelled ones
    keep their own times; RSVPs stay with occurrences that still exist); more places move
    people up from the waiting lists."""
    if not can_edit_event(actor, event, membership_of(actor, event.community)):
        raise PermissionDenied(_("You cannot edit this event."))
    with transaction.atomic():
        event = Event.objects.select_for_update().get(pk=event.pk)
        before = {name: getattr(event, name) for name in EVENT_FIELDS}
        for name, value in fields.items():
            if name in EVENT_FIELDS:
                setattr(event, name, value)
        event.recurrence = recurrence.normalise_rule(event.recurrence)
        _validate_event(event)
        changed = {name for name in EVENT_FIELDS if getattr(event, name) != before[name]}
        if not changed:
            return event
        if "description" in changed:
            event.description_html = render_markdown(event.description)
        event.sequence = F("sequence") + 1
        event.save()
        event.refresh_from_db()
        moved = []
        if changed & SCHEDULE_FIELDS:
            moved = _sync_occurrences(event, actor=actor, now=timezone.now())
        if "capacity" in changed:
            waiting_list_promote_all(event)
        signals.event_changed.send(sender=Event, event=event, actor=actor, changed=changed, moved=moved)
    return event


def event_cancel(*, actor, event: Event) -> Event:
    """Cancel a whole event: it stays visible, marked cancelled, with its RSVPs (calendars get
    STATUS:CANCELLED). Cancelling twice changes nothing."""
    if not can_edit_event(actor, event, membership_of(actor, event.community)):
        raise PermissionDenied(_("You cannot cancel this event."))
    with transaction.atomic():
        event = Event.objects.select_for_update().get(pk=event.pk)
        if event.cancelled_at is not None:
            return event
        event.cancelled_at = timezone.now()
        event.sequence += 1
        event.save(update_fields=["cancelled_at", "sequence", "updated_at"])
        signals.event_cancelled.send(sender=Event, event=event, actor=actor)
    return event


def event_restore(*, actor, event: Event) -> Event:
    """Undo a cancellation (the way back from a mistaken cancel)."""
    if not can_edit_event(actor, event, membership_of(actor, event.community)):
        raise PermissionDenied(_("You cannot change this event."))
    with transaction.atomic():
        event = Event.objects.select_for_update().get(pk=event.pk)
        if event.cancelled_at is None:
            return event
        event.cancelled_at = None
        event.sequence += 1
        event.save(update_fields=["cancelled_at", "sequence", "updated_at"])
        signals.event_changed.send(sender=Event, event=event, actor=actor, changed={"cancelled_at"}, moved=[])
    return event


def occurrence_update(*, actor, occurrence: Occurrence, **fields) -> Occurrence:
    """Edit one occurrence of a series (an exception): its own time, title, place, link or
    description. A series edit later leaves it as it is."""
    event = occurrence.event
    if not can_edit_event(actor, event, membership_of(actor, event.community)):
        raise PermissionDenied(_("You cannot edit this event."))
    with transaction.atomic():
        occurrence = Occurrence.objects.select_for_update().select_related("event").get(pk=occurrence.pk)
        before = {name: getattr(occurrence, name) for name in OCCURRENCE_FIELDS}
        for name, value in fields.items():
            if name in OCCURRENCE_FIELDS:
                setattr(occurrence, name, value)
        errors: dict[str, list] = defaultdict(list)
        try:
            occurrence.full_clean(exclude=["event"], validate_constraints=False, validate_unique=False)
        except ValidationError as error:
            for field, messages in error.message_dict.items():
                errors[field].extend(messages)
        if occurrence.starts_at and occurrence.ends_at and occurrence.ends_at <= occurrence.starts_at:
            errors["ends_at"].append(_("The occurrence must end after it starts."))
        if errors:
            raise ValidationError(dict(errors))
        changed = {name for name in OCCURRENCE_FIELDS if getattr(occurrence, name) != before[name]}
        if not changed:
            return occurrence
        if "description" in changed:
            occurrence.description_html = render_markdown(occurrence.description)
        occurrence.is_edited = True
        occurrence.save()
        Event.objects.filter(pk=event.pk).update(sequence=F("sequence") + 1, updated_at=timezone.now())
        signals.occurrence_changed.send(sender=Occurrence, occurrence=occurrence, actor=actor, changed=changed)
    return occurrence


def occurrence_cancel(*, actor, occurrence: Occurrence) -> Occurrence:
    """Cancel one occurrence of a series (calendars get an EXDATE). Twice changes nothing."""
    return _occurrence_set_cancelled(actor=actor, occurrence=occurrence, cancelled=True)


def occurrence_restore(*, actor, occurrence: Occurrence) -> Occurrence:
    """Undo the cancellation of one occurrence."""
    return _occurrence_set_cancelled(actor=actor, occurrence=occurrence, cancelled=False)


def _occurrence_set_cancelled(*, actor, occurrence, cancelled: bool) -> Occurrence:
    event = occurrence.event
    if not can_edit_event(actor, event, membership_of(actor, event.community)):
        raise PermissionDenied(_("You cannot change this event."))
    with transaction.atomic():
        occurrence = Occurrence.objects.select_for_update().select_related("event").get(pk=occurrence.pk)
        if occurrence.is_cancelled == cancelled:
            return occurrence
        occurrence.is_cancelled = cancelled
        occurrence.save(update_fields=["is_cancelled", "updated_at"])
        Event.objects.filter(pk=event.pk).update(sequence=F("sequence") + 1, updated_at=timezone.now())
        if cancelled:
            signals.occurrence_cancelled.send(sender=Occurrence, occurrence=occurrence, actor=actor)
        else:
            signals.occurrence_changed.send(
                sender=Occurrence, occurrence=occurrence, actor=actor, changed={"is_cancelled"}
            )
    return occurrence


# --- Keeping occurrences in step with the rule ---------------------------------------------------


def occurrences_extend(*, event: Event, now: datetime | None = None) -> int:
    """Create the occurrences that have come within the horizon since the last run (a daily
    task calls this for every live recurring event). Idempotent. Returns how many it made."""
    now = now or timezone.now()
    if not event.recurrence or event.cancelled_at is not None:
        return 0
    with transaction.atomic():
        event = Event.objects.select_for_update().get(pk=event.pk)
        have = set(event.occurrences.values_list("original_starts_at", flat=True))
        future = sum(1 for start in have if start > now)
        starts = recurrence.expand(
            rule=event.recurrence,
            starts_at=event.starts_at,
            time_zone=event.zone,
            after=now,
            until=recurrence.horizon(max(now, event.starts_at)),
            limit=settings.EVENTS_MAX_OCCURRENCES,
        )
        room = max(settings.EVENTS_MAX_OCCURRENCES - future, 0)
        new = [start for start in starts if start not in have][:room]
        Occurrence.objects.bulk_create(_new_occurrence(event, start) for start in new)
    return len(new)


def occurrences_extend_all(*, now: datetime | None = None) -> int:
    """For the daily task: extend every live recurring event."""
    events = Event.objects.live().exclude(recurrence="").only("pk", "recurrence", "cancelled_at")
    return sum(occurrences_extend(event=event, now=now) for event in events.iterator())


def _new_occurrence(event: Event, start: datetime) -> Occurrence:
    return Occurrence(
        event=event,
        starts_at=start,
        ends_at=recurrence.end_for(start, duration=event.duration, time_zone=event.zone),
        original_starts_at=start,
    )


def _sync_occurrences(event: Event, *, actor, now: datetime, initial: bool = False) -> list[Occurrence]:
    """Make the future occurrences match the event's rule and times. Returns the occurrences
    whose time changed (for notices).

    - An occurrence the rule still gives keeps its row and RSVPs; unless edited, its times
      follow the event's (a new duration).
    - One the rule now gives at another time on the same local day (the meeting moved from 9
      to 10) is the same occurrence moved: row and RSVPs kept.
    - One the rule no longer gives is deleted with its RSVPs (occurrences_dropped is sent
      first), unless it was edited or cancelled on its own: those exceptions are left alone.
    - Past occurrences are never touched.
    A one-off event's single occurrence simply moves with it.
    """
    zone = event.zone
    existing = list(event.occurrences.all())
    if not event.recurrence and len(existing) == 1:
        occurrence = existing[0]
        moved = occurrence.starts_at != event.starts_at
        if not occurrence.is_edited:
            occurrence.starts_at, occurrence.ends_at = event.starts_at, event.ends_at
        occurrence.original_starts_at = event.starts_at
        occurrence.save(update_fields=["starts_at", "ends_at", "original_starts_at", "updated_at"])
        return [occurrence] if moved else []

    wanted = recurrence.expand(
        rule=event.recurrence,
        starts_at=event.starts_at,
        time_zone=zone,
        after=None if initial else now,
        until=recurrence.horizon(max(now, event.starts_at)),
        limit=settings.EVENTS_MAX_OCCURRENCES if not initial else 10_000,
    )
    if initial:
        # A series scheduled after the fact keeps its latest past dates (to record attendance
        # on); the cap applies to those and to the future separately.
        cap = settings.EVENTS_MAX_OCCURRENCES
        past = [start for start in wanted if start <= now][-cap:]
        wanted = past + [start for start in wanted if start > now][: settings.EVENTS_MAX_OCCURRENCES]
    all_originals = {occurrence.original_starts_at for occurrence in existing}
    future = [occurrence for occurrence in existing if occurrence.original_starts_at > now]
    wanted_set = set(wanted)
    moved: list[Occurrence] = []

    def follow(occurrence, start):
        if occurrence.is_edited:
            return
        end = recurrence.end_for(start, duration=event.duration, time_zone=zone)
        if (occurrence.starts_at, occurrence.ends_at) != (start, end):
            if occurrence.starts_at != start:
                moved.append(occurrence)
            occurrence.starts_at, occurrence.ends_at = start, end

    unmatched_old = []
    for occurrence in future:
        if occurrence.original_starts_at in wanted_set:
            follow(occurrence, occurrence.original_starts_at)
            occurrence.save(update_fields=["starts_at", "ends_at", "updated_at"])
        else:
            unmatched_old.append(occurrence)
    unmatched_new = [start for start in wanted if start not in all_originals]

    # Same local day, one on each side: the same occurrence at a new time.
    old_by_day, new_by_day = defaultdict(list), defaultdict(list)
    for occurrence in unmatched_old:
        old_by_day[occurrence.original_starts_at.astimezone(zone).date()].append(occurrence)
    for start in unmatched_new:
        new_by_day[start.astimezone(zone).date()].append(start)
    for day, olds in old_by_day.items():
        news = new_by_day.get(day, [])
        if len(olds) == 1 and len(news) == 1:
            occurrence, start = olds[0], news[0]
            occurrence.original_starts_at = start
            follow(occurrence, start)
            occurrence.save(update_fields=["starts_at", "ends_at", "original_starts_at", "updated_at"])
            unmatched_old.remove(occurrence)
            unmatched_new.remove(start)

    dropped = [o for o in unmatched_old if not (o.is_edited or o.is_cancelled)]
    if dropped:
        signals.occurrences_dropped.send(sender=Event, event=event, actor=actor, occurrences=dropped)
        Occurrence.objects.filter(pk__in=[o.pk for o in dropped]).delete()
    Occurrence.objects.bulk_create(_new_occurrence(event, start) for start in unmatched_new)
    return moved


# --- A member's own settings ---------------------------------------------------------------------


def calendar_feed_key_renew(*, actor) -> CalendarFeedKey:
    """Give the member a (new) private feed address; any earlier one stops working."""
    key, created = CalendarFeedKey.objects.get_or_create(user=actor)
    if not created:
        key.token = new_feed_token()
        key.created_at = timezone.now()
        key.save(update_fields=["token", "created_at"])
    return key
