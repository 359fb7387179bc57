"""Reminders to the members going to an occurrence: a day before and an hour before, as each
member chose (EventReminderPreference; both on when they never chose).

Planning (every few minutes, `events.tasks.event_reminders_schedule`) records one
EmailDelivery per member, occurrence and window, key "event-reminder:<occurrence id>:<day|hour>"
(unique per recipient), BEFORE anything is sent; the send task then claims, sends and finishes
each through `communities.outgoing.send_planned`, the loop digests use. So a beat that fires
twice plans nothing new the second time, two workers never send the same row, and a worker
killed mid-batch leaves rows that `event_deliveries_recover` queues again: one email per
person, occurrence and window (tests/events/test_reminders_worker.py proves it on a real
worker).

Windows: the hour reminder when the start is at most an hour away; the day reminder when it is
at most a day and more than an hour away (an RSVP made 40 minutes before gets the hour one
only, never two emails at once). A reminder whose occurrence was cancelled, has started, or
whose member stopped going or can no longer see the event, is skipped when its batch is sent.
"""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.urls import reverse
from django.utils.formats import date_format
from django.utils.translation import gettext, pgettext

from communities.models import Membership, MembershipState
from communities.outgoing import PreparedEmail
from communities.reminders.planning import plan_deliveries
from cop_platform.email import absolute_url
from members.models import EmailDelivery, EmailKind

from .models import EventReminderPreference, Occurrence, Rsvp, RsvpResponse

DAY = "day"
HOUR = "hour"
WINDOWS = {DAY: timedelta(days=1), HOUR: timedelta(hours=1)}
SCOPE = "event_reminders"


def reminder_key(occurrence_id: int, window: str) -> str:
    return f"event-reminder:{occurrence_id}:{window}"


def parse_key(key: str) -> tuple[int, str] | None:
    prefix, _, rest = key.partition(":")
    occurrence_id, _, window = rest.partition(":")
    if prefix not in ("event-reminder", "event-notice") or not occurrence_id.isdigit():
        return None
    return int(occurrence_id), window


def window_of(starts_at: datetime, now: datetime) -> str | None:
    """Which reminder is due for an occurrence starting at `starts_at`, seen at `now`."""
    ahead = starts_at - now
    if ahead <= timedelta(0):
        return None
    if ahead <= WINDOWS[HOUR]:
        return HOUR
    if ahead <= WINDOWS[DAY]:
        return DAY
    return None


def preferences_of(user_ids) -> dict[int, EventReminderPreference]:
    """Each member's reminder preference (the defaults, unsaved, when they never chose)."""
    user_ids = list(user_ids)
    found = {p.user_id: p for p in EventReminderPreference.objects.filter(user_id__in=user_ids)}
    return {user_id: found.get(user_id) or EventReminderPreference(user_id=user_id) for user_id in user_ids}


def reminders_off(user) -> None:
    """The one-click unsubscribe of the "event_reminders" scope (and of "all")."""
    EventReminderPreference.objects.update_or_create(
        user_id=user.pk, defaults={"day_before": False, "hour_before": False}
    )


def reminders_on(user) -> None:
    EventReminderPreference.objects.update_or_create(
        user_id=user.pk, defaults={"day_before": True, "hour_before": True}
    )


def wants(preference: EventReminderPreference, window: str) -> bool:
    return preference.day_before if window == DAY else preference.hour_before


def readers_of(pairs: set[tuple[int, int]]) -> set[tuple[int, int]]:
    """Of (user id, community id) pairs, those where the member may still get email about the
    community's events with their meeting link: an active member (only they may RSVP and see
    the link, events.permissions) who did not mute its email. One query for any number."""
    if not pairs:
        return set()
    found = set(
        Membership.objects.filter(
            user_id__in={user_id for user_id, _ in pairs},
            community_id__in={community_id for _, community_id in pairs},
            state=MembershipState.ACTIVE,
            email_muted=False,
        ).values_list("user_id", "community_id")
    )
    return pairs & found


def reminders_plan(now: datetime) -> list[int]:
    """Record the reminders due at `now`; returns the ids of the rows this call created."""
    upcoming = (
        Occurrence.objects.happening()
        .filter(starts_at__gt=now, starts_at__lte=now + WINDOWS[DAY])
        .values_list("pk", "starts_at", "event__community_id")
    )
    windows = {pk: (window_of(starts_at, now), community_id) for pk, starts_at, community_id in upcoming}
    going = list(
        Rsvp.objects.filter(
            occurrence_id__in=list(windows),
            response=RsvpResponse.GOING,
            user__is_active=True,
        )
        .exclude(user__email="")
        .values_list("user_id", "occurrence_id")
    )
    preferences = preferences_of({user_id for user_id, _ in going})
    readers = readers_of({(user_id, windows[occurrence_id][1]) for user_id, occurrence_id in going})
    rows = []
    for user_id, occurrence_id in going:
        window, community_id = windows[occurrence_id]
        if window and wants(preferences[user_id], window) and (user_id, community_id) in readers:
            rows.append(
                EmailDelivery(
                    recipient_id=user_id,
                    kind=EmailKind.EVENT_REMINDER,
                    key=reminder_key(occurrence_id, window),
                    community_id=community_id,
                    created_at=now,
                )
            )
    return plan_deliveries(rows, kind=EmailKind.EVENT_REMINDER, now=now)


def zone_of(user) -> ZoneInfo:
    try:
        return ZoneInfo(user.time_zone or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def when_for(occurrence: Occurrence, user) -> dict:
    """The occurrence's times as the member reads them (their own zone), and the organiser's."""
    zone = zone_of(user)
    starts, ends = occurrence.starts_at.astimezone(zone), occurrence.ends_at.astimezone(zone)
    same_day = starts.date() == ends.date()
    # Day and month names in the active language (the email is rendered in the reader's).
    long = "l j F Y, H:i"
    text = (
        f"{date_format(starts, long)}–{date_format(ends, 'H:i')}"
        if same_day
        else f"{date_format(starts, long)} – {date_format(ends, long)}"
    )
    organiser_zone = occurrence.event.zone
    organiser = ""
    if organiser_zone.key != zone.key:
        organiser = gettext("%(time)s in %(zone)s") % {
            "time": date_format(occurrence.starts_at.astimezone(organiser_zone), "H:i"),
            "zone": occurrence.event.time_zone,
        }
    return {"when": f"{text} ({zone.key.replace('_', ' ')})", "when_organiser": organiser}


def occurrence_context(occurrence: Occurrence, user) -> dict:
    """What every email about an occurrence shows: when (in the member's zone), where, the
    meeting link (the member may see the event: checked by the caller), and the links."""
    event = occurrence.event
    return {
        "occurrence": occurrence,
        "event": event,
        "community": event.community,
        "title": occurrence.display_title,
        "place": occurrence.display_place,
        "meeting_url": occurrence.display_meeting_url,
        "format": event.get_format_display(),
        # A date an edited rule dropped has no page of its own any more: the event's.
        "event_url": absolute_url(occurrence.get_absolute_url() if occurrence.pk else event.get_absolute_url()),
        "ics_url": absolute_url(reverse("events:ics", kwargs={"slug": event.community.slug, "event_id": event.pk})),
        "reminder_settings_url": absolute_url(reverse("events:calendar_settings") + "#reminders-heading"),
        **when_for(occurrence, user),
    }


def occurrences_for(deliveries: list[EmailDelivery]) -> dict[int, Occurrence]:
    ids = {parsed[0] for d in deliveries if (parsed := parse_key(d.key))}
    return Occurrence.objects.select_related("event__community").in_bulk(ids)


def build_reminders(deliveries: list[EmailDelivery], now: datetime) -> dict[int, PreparedEmail | None]:
    """The content of a batch of reminders (a fixed number of queries for any batch)."""
    occurrences = occurrences_for(deliveries)
    going = set(
        Rsvp.objects.filter(
            occurrence_id__in=list(occurrences),
            user_id__in={d.recipient_id for d in deliveries},
            response=RsvpResponse.GOING,
        ).values_list("user_id", "occurrence_id")
    )
    preferences = preferences_of({d.recipient_id for d in deliveries})
    readers = readers_of(
        {(d.recipient_id, o.event.community_id) for d in deliveries if (o := occurrences.get(_occurrence_id(d)))}
    )
    prepared: dict[int, PreparedEmail | None] = {}
    for delivery in deliveries:
        occurrence = occurrences.get(_occurrence_id(delivery))
        window = parse_key(delivery.key)[1] if parse_key(delivery.key) else ""
        if (
            occurrence is None
            or occurrence.is_off
            or occurrence.starts_at <= now
            or (delivery.recipient_id, occurrence.pk) not in going
            or (delivery.recipient_id, occurrence.event.community_id) not in readers
            or not wants(preferences[delivery.recipient_id], window)
        ):
            prepared[delivery.pk] = None
            continue
        prepared[delivery.pk] = PreparedEmail(
            template="events/email/reminder",
            context={
                **occurrence_context(occurrence, delivery.recipient),
                "window": window,
                **_soon(occurrence, delivery.recipient, window, now),
            },
            scope=SCOPE,
            summary=f"Reminder ({window}): {occurrence.display_title}",
        )
    return prepared


def _soon(occurrence: Occurrence, user, window: str, now: datetime) -> dict:
    """How soon, in the member's own calendar: "in an hour", "today", "tomorrow"."""
    if window == HOUR:
        return {"soon": gettext("in an hour"), "soon_title": gettext("Starting in an hour")}
    zone = zone_of(user)
    days = (occurrence.starts_at.astimezone(zone).date() - now.astimezone(zone).date()).days
    if days == 0:
        return {"soon": gettext("today"), "soon_title": pgettext("reminder subject", "Today")}
    if days == 1:
        return {"soon": gettext("tomorrow"), "soon_title": pgettext("reminder subject", "Tomorrow")}
    return {"soon": gettext("soon"), "soon_title": pgettext("reminder subject", "Soon")}


def _occurrence_id(delivery: EmailDelivery) -> int | None:
    parsed = parse_key(delivery.key)
    return parsed[0] if parsed else None
