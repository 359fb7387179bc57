"""Update and cancellation notices: when an event or one occurrence changes its time, place or
meeting link, or is cancelled, everyone going (and everyone on the waiting list) gets one
email about each upcoming occurrence it touches.

The events services call `event_changed` / `occurrence_changed` inside their transaction, after
saving: the notices are recorded as EmailDelivery rows in that same transaction (so a change
that commits has its emails on record, and a change that rolls back has none), and their
sending is queued once it commits. The key is "event-notice:<occurrence id>:<version>", the
version naming the change (the event's iCalendar SEQUENCE and the moment of the edit): two
different changes are two emails, a retried task or a second worker is still one.
"""

import re
from collections.abc import Iterable
from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from communities.outgoing import PreparedEmail, queue_in_batches
from communities.reminders.planning import plan_deliveries
from members.models import EmailDelivery, EmailKind

from .models import Event, Occurrence, Rsvp, RsvpResponse
from .reminders import occurrence_context, occurrences_for, parse_key, readers_of

TOLD = (RsvpResponse.GOING, RsvpResponse.WAITING)
# What changed, as the services name it: the words the email uses.
CHANGES = {
    "time": "the time",
    "place": "the place",
    "meeting_url": "the meeting link",
    "format": "how it takes place",
    "title": "the title",
    "restored": "it is on again",
}
# The same words in the reader's language: the record keeps the English ones above (they are
# parsed back), the email shows these.
CHANGE_LABELS = {
    "time": _("the time"),
    "place": _("the place"),
    "meeting_url": _("the meeting link"),
    "format": _("how it takes place"),
    "title": _("the title"),
    "restored": _("it is on again"),
}
# Fields of the events services' `changed` sets, as the change an email names: only what
# changes whether and how a member gets there.
FIELD_CHANGES = {
    "starts_at": "time",
    "ends_at": "time",
    "time_zone": "time",
    "recurrence": "time",
    "place": "place",
    "meeting_url": "meeting_url",
    "format": "format",
    "cancelled_at": "restored",
    "is_cancelled": "restored",
}


def changes_of(fields) -> list[str]:
    """The changes worth an email among the changed field names, in a stable order."""
    found = {FIELD_CHANGES[name] for name in fields or () if name in FIELD_CHANGES}
    return [change for change in CHANGES if change in found]


def _version(event: Event, moment: datetime) -> str:
    # Read back: a service may have left an F() expression in `event.sequence`.
    sequence = Event.objects.filter(pk=event.pk).values_list("sequence", flat=True).first() or 0
    return f"{sequence}.{int(moment.timestamp() * 1000)}"


def describe(changes: Iterable[str]) -> str:
    words = [CHANGES.get(change, change) for change in changes]
    if not words:
        return "details"
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def describe_for_reader(recorded: str) -> str:
    """What changed, as `describe` recorded it in English, in the active language."""
    codes = {words: change for change, words in CHANGES.items()}
    parts = re.split(r", | and ", recorded)
    if recorded == "details":
        return gettext("details")
    if not all(part in codes for part in parts):
        return recorded
    labels = [str(CHANGE_LABELS[codes[part]]) for part in parts]
    if len(labels) == 1:
        return labels[0]
    return gettext("%(items)s and %(last)s") % {"items": ", ".join(labels[:-1]), "last": labels[-1]}


def _plan(
    occurrences: list[Occurrence], *, version: str, summary: str, now: datetime, starts: bool = False
) -> list[int]:
    by_id = {occurrence.pk: occurrence for occurrence in occurrences}
    told = list(
        Rsvp.objects.filter(occurrence_id__in=list(by_id), response__in=TOLD, user__is_active=True)
        .exclude(user__email="")
        .values_list("user_id", "occurrence_id")
    )
    readers = readers_of({(user_id, by_id[occurrence_id].event.community_id) for user_id, occurrence_id in told})
    rows = [
        EmailDelivery(
            recipient_id=user_id,
            kind=EmailKind.EVENT_NOTICE,
            key=f"event-notice:{occurrence_id}:{version}"[:100],
            community_id=by_id[occurrence_id].event.community_id,
            # A dropped date keeps its start here: the occurrence row is about to go.
            summary=(f"{summary} {by_id[occurrence_id].starts_at.isoformat()}" if starts else summary)[:300],
            created_at=now,
        )
        for user_id, occurrence_id in told
        if (user_id, by_id[occurrence_id].event.community_id) in readers
    ]
    ids = plan_deliveries(rows, kind=EmailKind.EVENT_NOTICE, now=now)
    if ids:
        from .tasks import send_event_email_batch  # noqa: PLC0415 - tasks import this module

        transaction.on_commit(lambda: queue_in_batches(send_event_email_batch, ids))
    return ids


def event_changed(*, event: Event, changes: Iterable[str] = (), cancelled: bool = False) -> list[int]:
    """The whole series (or a one-off event) changed or was cancelled: tell those going to or
    waiting for each of its upcoming occurrences. Returns the planned delivery ids."""
    now = timezone.now()
    occurrences = list(
        Occurrence.objects.filter(event=event, ends_at__gt=now, is_cancelled=False).select_related("event")
    )
    summary = "Cancelled" if cancelled else f"Changed: {describe(changes)}"
    return _plan(occurrences, version=_version(event, now) + ("c" if cancelled else ""), summary=summary, now=now)


def occurrence_changed(*, occurrence: Occurrence, changes: Iterable[str] = (), cancelled: bool = False) -> list[int]:
    """One occurrence was edited or cancelled (an exception in the series)."""
    now = timezone.now()
    if occurrence.ends_at <= now:
        return []
    occurrence = Occurrence.objects.select_related("event").get(pk=occurrence.pk)
    summary = "Cancelled" if cancelled else f"Changed: {describe(changes)}"
    version = _version(occurrence.event, now) + ("c" if cancelled else "")
    return _plan([occurrence], version=version, summary=summary, now=now)


DROPPED = "dropped"


def occurrences_dropped(*, event: Event, occurrences: list[Occurrence]) -> list[int]:
    """An edited rule no longer gives these dates: they are deleted with their answers right
    after this (events-core sends the signal first). Those going or waiting are told the date
    is cancelled; the email is built from the event and the start kept in the record, since the
    occurrence will be gone."""
    now = timezone.now()
    upcoming = [o for o in occurrences if o.ends_at > now]
    for occurrence in upcoming:
        occurrence.event = event
    if not upcoming:
        return []
    version = f"{_version(event, now)}{DROPPED[0]}{event.pk}"
    return _plan(upcoming, version=version, summary=DROPPED, now=now, starts=True)


def build_notices(deliveries: list[EmailDelivery], now: datetime) -> dict[int, PreparedEmail | None]:
    """The content of a batch of notices: the occurrence as it is now, and what changed."""
    occurrences = occurrences_for(deliveries)
    readers = readers_of(
        {
            (d.recipient_id, occurrences[parse_key(d.key)[0]].event.community_id)
            for d in deliveries
            if parse_key(d.key) and parse_key(d.key)[0] in occurrences
        }
    )
    dropped = _dropped_dates(deliveries, occurrences)
    readers |= readers_of({(d.recipient_id, o.event.community_id) for d, o in dropped.values()})
    prepared: dict[int, PreparedEmail | None] = {}
    for delivery in deliveries:
        parsed = parse_key(delivery.key)
        occurrence = occurrences.get(parsed[0]) if parsed else None
        if occurrence is None and delivery.pk in dropped:
            occurrence = dropped[delivery.pk][1]
        if occurrence is None or (delivery.recipient_id, occurrence.event.community_id) not in readers:
            prepared[delivery.pk] = None
            continue
        cancelled = delivery.summary.startswith(("Cancelled", DROPPED))
        prepared[delivery.pk] = PreparedEmail(
            template="events/email/notice",
            context={
                **occurrence_context(occurrence, delivery.recipient),
                "cancelled": cancelled,
                "what_changed": describe_for_reader(delivery.summary.removeprefix("Changed: ")),
            },
            scope=f"community:{occurrence.event.community_id}",
            summary=f"{'Cancelled' if cancelled else delivery.summary}: {occurrence.display_title}",
        )
    return prepared


def _dropped_dates(deliveries, found: dict[int, Occurrence]) -> dict[int, tuple[EmailDelivery, Occurrence]]:
    """{delivery id: (delivery, an unsaved stand-in occurrence)} for notices of dates an edited
    rule dropped: the event from the key, the start from the record (one query)."""
    wanted = {}
    for delivery in deliveries:
        parsed = parse_key(delivery.key)
        if not parsed or parsed[0] in found or not delivery.summary.startswith(DROPPED):
            continue
        _, _, event_id = parsed[1].rpartition(DROPPED[0])
        if event_id.isdigit():
            wanted[delivery.pk] = (delivery, int(event_id))
    events = Event.objects.select_related("community").in_bulk({event_id for _, event_id in wanted.values()})
    stand_ins = {}
    for pk, (delivery, event_id) in wanted.items():
        event = events.get(event_id)
        try:
            starts = datetime.fromisoformat(delivery.summary.split(" ", 1)[1])
        except (IndexError, ValueError):
            continue
        if event is not None:
            occurrence = Occurrence(
                event=event, starts_at=starts, ends_at=starts + event.duration, original_starts_at=starts
            )
            occurrence.pk = None
            stand_ins[pk] = (delivery, occurrence)
    return stand_ins
