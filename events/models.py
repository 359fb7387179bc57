"""Events and meetings: a community's scheduled gatherings, their occurrences and RSVPs.

An `Event` holds the series: its first start and end (stored in UTC, entered in the
organiser's `time_zone`) and an optional RFC 5545 recurrence rule. The rule is expanded in the
organiser's zone (so a 09:00 weekly meeting stays at 09:00 across daylight-saving changes) into
`Occurrence` rows up to a horizon (events.recurrence). An occurrence is what people RSVP to,
what reminders and attendance are about, and what a calendar exception (RECURRENCE-ID) names:
`original_starts_at` is the start the rule gave it, and never changes after an edit.

A one-off event has exactly one occurrence, so every page and task works on occurrences alone.
"""

import secrets
import zoneinfo
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from communities.models import Community

from .querysets import EventQuerySet, OccurrenceQuerySet, RsvpQuerySet
from .recurrence import describe as describe_rule


def validate_time_zone(value: str) -> None:
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ValidationError(
            _("“%(value)s” is not a time zone name (for example Europe/Paris)."), params={"value": value}
        )


def validate_https(value: str) -> None:
    if value and not value.lower().startswith("https://"):
        raise ValidationError(_("Use a secure meeting link, starting with https://."))


class EventFormat(models.TextChoices):
    ONLINE = "online", _("Online")
    IN_PERSON = "in_person", _("In person")
    HYBRID = "hybrid", _("In person and online")


class Event(models.Model):
    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="events")
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True, max_length=20000, help_text=_("Markdown."))
    description_html = models.TextField(blank=True, editable=False)
    organiser = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="organised_events"
    )
    time_zone = models.CharField(
        max_length=64, validators=[validate_time_zone], help_text=_("The time zone the times are given in.")
    )
    starts_at = models.DateTimeField(help_text=_("Start of the first occurrence."))
    ends_at = models.DateTimeField(help_text=_("End of the first occurrence."))
    format = models.CharField(max_length=10, choices=EventFormat.choices, default=EventFormat.ONLINE)
    place = models.CharField(max_length=300, blank=True, help_text=_("Where to meet, for in-person events."))
    meeting_url = models.URLField(
        _("meeting link"),
        blank=True,
        max_length=500,
        validators=[validate_https],
        help_text=_("https:// link to the call; shown only to people who may see the event."),
    )
    capacity = models.PositiveIntegerField(
        null=True, blank=True, help_text=_("Places per occurrence; leave empty for no limit.")
    )
    recurrence = models.CharField(
        max_length=500, blank=True, help_text=_("An RFC 5545 rule, e.g. FREQ=WEEKLY;COUNT=10. Empty for a one-off.")
    )
    cancelled_at = models.DateTimeField(null=True, blank=True, editable=False)
    # Incremented on every change that calendars should pick up (iCalendar SEQUENCE).
    sequence = models.PositiveIntegerField(default=0, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    objects = EventQuerySet.as_manager()

    class Meta:
        ordering = ["starts_at"]
        indexes = [models.Index(fields=["community", "starts_at"], name="event_community_start")]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=models.F("starts_at")), name="event_ends_after_start"),
            models.CheckConstraint(condition=~Q(capacity=0), name="event_capacity_not_zero"),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("events:detail", kwargs={"slug": self.community.slug, "event_id": self.pk})

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone)

    @property
    def is_cancelled(self) -> bool:
        return self.cancelled_at is not None

    @property
    def is_recurring(self) -> bool:
        return bool(self.recurrence)

    @property
    def recurrence_text(self) -> str:
        return describe_rule(self.recurrence) if self.recurrence else ""

    @property
    def duration(self):
        return self.ends_at - self.starts_at

    @property
    def uid(self) -> str:
        """The iCalendar UID: stable for the life of the event, unique across sites."""
        return f"event-{self.pk}@{urlsplit(settings.SITE_URL).hostname or 'localhost'}"


class Occurrence(models.Model):
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="occurrences")
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    # The start the rule gave this occurrence (iCalendar RECURRENCE-ID); fixed once created.
    original_starts_at = models.DateTimeField()
    is_cancelled = models.BooleanField(default=False)
    is_edited = models.BooleanField(default=False)
    # Per-occurrence overrides; blank means the event's own value.
    title = models.CharField(max_length=200, blank=True)
    place = models.CharField(max_length=300, blank=True)
    meeting_url = models.URLField(_("meeting link"), blank=True, max_length=500, validators=[validate_https])
    description = models.TextField(blank=True, max_length=20000, help_text=_("Markdown."))
    description_html = models.TextField(blank=True, editable=False)
    attendance_recorded_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    objects = OccurrenceQuerySet.as_manager()

    class Meta:
        ordering = ["starts_at"]
        indexes = [
            models.Index(fields=["starts_at"], name="occurrence_start"),
            models.Index(fields=["event", "starts_at"], name="occurrence_event_start"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["event", "original_starts_at"], name="occurrence_once_per_rule_start"),
            models.CheckConstraint(condition=Q(ends_at__gt=models.F("starts_at")), name="occurrence_ends_after_start"),
        ]

    def __str__(self):
        return f"{self.display_title} ({self.starts_at:%Y-%m-%d %H:%M} UTC)"

    def get_absolute_url(self):
        return reverse(
            "events:occurrence",
            kwargs={"slug": self.event.community.slug, "event_id": self.event_id, "occurrence_id": self.pk},
        )

    @property
    def display_title(self) -> str:
        return self.title or self.event.title

    @property
    def display_place(self) -> str:
        return self.place or self.event.place

    @property
    def display_meeting_url(self) -> str:
        return self.meeting_url or self.event.meeting_url

    @property
    def display_description_html(self) -> str:
        return self.description_html or self.event.description_html

    @property
    def is_off(self) -> bool:
        """Cancelled on its own or with its whole event."""
        return self.is_cancelled or self.event.cancelled_at is not None

    @property
    def is_past(self) -> bool:
        return self.ends_at <= timezone.now()


class RsvpResponse(models.TextChoices):
    GOING = "going", _("Going")
    MAYBE = "maybe", _("Maybe")
    NOT_GOING = "not_going", _("Not going")
    WAITING = "waiting", _("On the waiting list")


class Rsvp(models.Model):
    occurrence = models.ForeignKey(Occurrence, on_delete=models.CASCADE, related_name="rsvps")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="event_rsvps")
    response = models.CharField(max_length=10, choices=RsvpResponse.choices)
    # When the member joined the waiting list: the list's order (first come, first served).
    waiting_since = models.DateTimeField(null=True, blank=True)
    # Recorded after the occurrence by a coordinator; None = not recorded.
    attended = models.BooleanField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    objects = RsvpQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["occurrence", "user"], name="rsvp_once_per_member"),
            models.CheckConstraint(
                condition=Q(response="waiting", waiting_since__isnull=False) | ~Q(response="waiting"),
                name="rsvp_waiting_has_since",
            ),
        ]
        indexes = [models.Index(fields=["occurrence", "response"], name="rsvp_occurrence_response")]

    def __str__(self):
        return f"{self.user} – {self.get_response_display()}"


class EventReminderPreference(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="event_reminder_preference"
    )
    day_before = models.BooleanField(_("a day before"), default=True)
    hour_before = models.BooleanField(_("an hour before"), default=True)

    def __str__(self):
        return f"Event reminders for {self.user}"


def new_feed_token() -> str:
    return secrets.token_urlsafe(32)


class CalendarFeedKey(models.Model):
    """The secret in a member's private calendar feed address. Revoking it = a new token: the
    old address then finds nothing (404)."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feed_key")
    token = models.CharField(max_length=64, unique=True, default=new_feed_token, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    def __str__(self):
        return f"Calendar feed of {self.user}"


# events-life: materials linked to an occurrence, and the search document of an event.
from .models_life import EventMaterial, EventSearchDocument  # noqa: E402, F401
