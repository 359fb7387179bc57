"""Forms for scheduling and editing events. They parse what was typed (local times in the
chosen time zone, a friendly "repeats" choice or a custom RFC 5545 rule) into the keyword
arguments of the events services; the services validate and save."""

import zoneinfo
from datetime import datetime, time

from django import forms
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from members.models import TIME_ZONE_CHOICES

from .models import EventFormat, RsvpResponse

LOCAL_FORMAT = "%Y-%m-%dT%H:%M"

REPEAT_CHOICES = [
    ("", _("Does not repeat")),
    ("FREQ=DAILY", _("Every day")),
    ("FREQ=WEEKLY", _("Every week")),
    ("FREQ=WEEKLY;INTERVAL=2", _("Every two weeks")),
    ("FREQ=MONTHLY", _("Every month (same date)")),
    ("custom", _("Custom rule (RFC 5545)")),
]


class LocalDateTimeField(forms.DateTimeField):
    """A wall-clock date and time, without a zone: the form attaches the chosen one."""

    widget = forms.DateTimeInput(attrs={"type": "datetime-local"}, format=LOCAL_FORMAT)
    input_formats = [LOCAL_FORMAT, "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"]

    def to_python(self, value):
        value = super().to_python(value)
        # DateTimeField made it aware in the current zone (UTC); keep the wall-clock time only.
        return timezone.make_naive(value, timezone.get_current_timezone()) if value else value


def _local(naive: datetime, zone) -> datetime:
    return naive.replace(tzinfo=zone)


class OccurrenceTimesMixin:
    """Turns the local start and end into aware datetimes in `zone`."""

    def _aware_times(self, zone):
        data = self.cleaned_data
        for name in ("starts_at", "ends_at"):
            if data.get(name):
                data[name] = _local(data[name], zone)


class EventForm(OccurrenceTimesMixin, forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    description = forms.CharField(
        label=_("Description"),
        required=False,
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("Markdown."),
    )
    format = forms.ChoiceField(label=_("Format"), choices=EventFormat.choices, initial=EventFormat.ONLINE)
    place = forms.CharField(
        label=_("Place"), required=False, max_length=300, help_text=_("Where to meet (in person and hybrid).")
    )
    meeting_url = forms.CharField(
        label=_("Meeting link"),
        required=False,
        max_length=500,
        help_text=_("https:// address of the call. Only members of the community see it."),
    )
    time_zone = forms.ChoiceField(
        label=_("Time zone"), choices=TIME_ZONE_CHOICES, help_text=_("The zone the times below are in.")
    )
    starts_at = LocalDateTimeField(label=_("Starts"))
    ends_at = LocalDateTimeField(label=_("Ends"))
    capacity = forms.IntegerField(
        label=_("Capacity"),
        required=False,
        min_value=0,
        help_text=_("Places for each occurrence. Leave empty for no limit."),
    )
    repeat = forms.ChoiceField(label=_("Repeats"), choices=REPEAT_CHOICES, required=False)
    repeat_count = forms.IntegerField(
        label=_("How many times"), required=False, min_value=1, max_value=500, help_text=_("Leave empty to keep going.")
    )
    repeat_until = forms.DateField(
        label=_("Until"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Last date, optional."),
    )
    recurrence = forms.CharField(
        label=_("Custom rule"),
        required=False,
        max_length=500,
        help_text=_("Only for “Custom rule”: e.g. FREQ=MONTHLY;BYDAY=1TU;COUNT=6 (the first Tuesday, six times)."),
    )

    field_order = [
        "title", "description", "format", "place", "meeting_url", "time_zone", "starts_at", "ends_at",
        "capacity", "repeat", "repeat_count", "repeat_until", "recurrence",
    ]  # fmt: skip

    @classmethod
    def initial_for(cls, event) -> dict:
        zone = event.zone
        return {
            "title": event.title,
            "description": event.description,
            "format": event.format,
            "place": event.place,
            "meeting_url": event.meeting_url,
            "time_zone": event.time_zone,
            "starts_at": timezone.make_naive(event.starts_at, zone),
            "ends_at": timezone.make_naive(event.ends_at, zone),
            "capacity": event.capacity,
            "repeat": "custom" if event.recurrence else "",
            "recurrence": event.recurrence,
        }

    def clean(self):
        data = super().clean()
        zone_name = data.get("time_zone")
        if zone_name:
            self._aware_times(zoneinfo.ZoneInfo(zone_name))
        repeat = data.get("repeat") or ""
        if repeat == "custom":
            if not data.get("recurrence", "").strip():
                self.add_error("recurrence", gettext("Write the rule, or choose another “Repeats”."))
        elif repeat:
            rule = repeat
            if data.get("repeat_count"):
                rule += f";COUNT={data['repeat_count']}"
            elif data.get("repeat_until") and zone_name:
                # Through the end of that day in the event's zone, in UTC as RFC 5545 wants.
                last = datetime.combine(data["repeat_until"], time(23, 59, 59), zoneinfo.ZoneInfo(zone_name))
                rule += f";UNTIL={last.astimezone(zoneinfo.ZoneInfo('UTC')):%Y%m%dT%H%M%SZ}"
            data["recurrence"] = rule
        else:
            data["recurrence"] = ""
        return data

    def service_fields(self) -> dict:
        names = ("title", "description", "format", "place", "meeting_url", "time_zone", "starts_at", "ends_at")
        fields = {name: self.cleaned_data[name] for name in names}
        fields["capacity"] = self.cleaned_data.get("capacity")
        fields["recurrence"] = self.cleaned_data.get("recurrence", "")
        return fields


class OccurrenceForm(OccurrenceTimesMixin, forms.Form):
    """One occurrence's own details; empty text fields mean "as the event"."""

    starts_at = LocalDateTimeField(label=_("Starts"))
    ends_at = LocalDateTimeField(label=_("Ends"))
    title = forms.CharField(
        label=_("Title"), required=False, max_length=200, help_text=_("Leave empty to keep the event's title.")
    )
    place = forms.CharField(
        label=_("Place"), required=False, max_length=300, help_text=_("Leave empty to keep the event's place.")
    )
    meeting_url = forms.CharField(
        label=_("Meeting link"), required=False, max_length=500, help_text=_("Leave empty to keep the event's link.")
    )
    description = forms.CharField(
        label=_("Description"),
        required=False,
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Markdown. Leave empty to keep the event's description."),
    )

    def __init__(self, *args, zone, **kwargs):
        self.zone = zone
        super().__init__(*args, **kwargs)
        self.fields["starts_at"].help_text = gettext("In %(zone)s, the event's time zone.") % {"zone": zone.key}

    @classmethod
    def initial_for(cls, occurrence) -> dict:
        zone = occurrence.event.zone
        return {
            "starts_at": timezone.make_naive(occurrence.starts_at, zone),
            "ends_at": timezone.make_naive(occurrence.ends_at, zone),
            "title": occurrence.title,
            "place": occurrence.place,
            "meeting_url": occurrence.meeting_url,
            "description": occurrence.description,
        }

    def clean(self):
        data = super().clean()
        self._aware_times(self.zone)
        return data


class RsvpForm(forms.Form):
    response = forms.ChoiceField(
        label=_("Answer"),
        choices=[(value, label) for value, label in RsvpResponse.choices if value != RsvpResponse.WAITING],
    )
