"""Scheduling, editing and cancelling: who may, and what is refused with a readable reason."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from events.models import Occurrence
from events.services import (
    event_cancel,
    event_create,
    event_restore,
    event_update,
    occurrence_cancel,
    occurrence_restore,
    occurrence_update,
)
from tests.communities.factories import MembershipFactory

from .factories import in_days, make_event

pytestmark = pytest.mark.django_db


def _fields(**overrides):
    start = in_days(5)
    return {
        "title": "Monthly clinic",
        "description": "Bring a **case**. <script>alert(1)</script>",
        "time_zone": "Europe/Paris",
        "starts_at": start,
        "ends_at": start + timedelta(hours=1),
        "format": "online",
        "meeting_url": "https://meet.example.org/clinic",
        **overrides,
    }


def test_coordinator_schedules_a_one_off_event_with_one_occurrence_and_safe_description(community, coordinator):
    event = event_create(actor=coordinator, community=community, **_fields())
    assert event.occurrences.count() == 1
    occurrence = event.occurrences.get()
    assert (occurrence.starts_at, occurrence.ends_at) == (event.starts_at, event.ends_at)
    assert "<strong>case</strong>" in event.description_html
    assert "<script>" not in event.description_html
    assert event.organiser == coordinator


def test_member_cannot_schedule_unless_the_community_allows_it(community, member, active_membership):
    with pytest.raises(PermissionDenied):
        event_create(actor=member, community=community, **_fields())
    community.members_may_schedule_events = True
    community.save()
    assert event_create(actor=member, community=community, **_fields()).organiser == member


def test_outsider_cannot_schedule(community, outsider):
    community.members_may_schedule_events = True
    community.save()
    with pytest.raises(PermissionDenied):
        event_create(actor=outsider, community=community, **_fields())


@pytest.mark.parametrize(
    ("overrides", "field", "words"),
    [
        ({"ends_at": in_days(5) - timedelta(hours=1)}, "ends_at", "end after it starts"),
        ({"capacity": 0}, "capacity", "at least one place"),
        ({"meeting_url": "http://meet.example.org/x"}, "meeting_url", "https://"),
        ({"recurrence": "FREQ=SOMETIMES"}, "recurrence", "FREQ=DAILY"),
        ({"recurrence": "FREQ=WEEKLY;COUNT=banana"}, "recurrence", "not a recurrence rule"),
        ({"recurrence": "FREQ=HOURLY"}, "recurrence", "FREQ=DAILY"),
        ({"recurrence": "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30"}, "recurrence", "no date"),
        ({"time_zone": "Mars/Olympus"}, "time_zone", "time zone"),
        ({"format": "in_person", "place": ""}, "place", "where people meet"),
    ],
)
def test_bad_input_is_refused_with_a_message_on_the_field(community, coordinator, overrides, field, words):
    with pytest.raises(ValidationError) as caught:
        event_create(actor=coordinator, community=community, **_fields(**overrides))
    assert words.lower() in " ".join(caught.value.message_dict[field]).lower()


def test_the_organiser_edits_and_cancels_but_another_member_cannot(community, member, other_member):
    community.members_may_schedule_events = True
    community.save()
    MembershipFactory(community=community, user=member)
    MembershipFactory(community=community, user=other_member)
    event = event_create(actor=member, community=community, **_fields())
    event_update(actor=member, event=event, title="Renamed")
    with pytest.raises(PermissionDenied):
        event_update(actor=other_member, event=event, title="Hijacked")
    with pytest.raises(PermissionDenied):
        event_cancel(actor=other_member, event=event)
    event = event_cancel(actor=member, event=event)
    assert event.cancelled_at is not None
    assert event_restore(actor=member, event=event).cancelled_at is None


def test_every_edit_increases_the_calendar_sequence(community, coordinator):
    event = make_event(community=community, organiser=coordinator)
    assert event.sequence == 0
    event = event_update(actor=coordinator, event=event, title="New title")
    assert event.sequence == 1
    event = event_update(actor=coordinator, event=event, title="New title")  # nothing changed
    assert event.sequence == 1
    occurrence_cancel(actor=coordinator, occurrence=event.occurrences.get())
    event.refresh_from_db()
    assert event.sequence == 2


def test_single_occurrence_edit_and_cancel_are_exceptions_with_a_way_back(community, coordinator):
    event = make_event(community=community, organiser=coordinator, recurrence="FREQ=WEEKLY;COUNT=4")
    first, second = event.occurrences.order_by("starts_at")[:2]
    moved = occurrence_update(
        actor=coordinator,
        occurrence=second,
        starts_at=second.starts_at + timedelta(hours=2),
        ends_at=second.ends_at + timedelta(hours=2),
        title="Special session",
    )
    assert moved.is_edited and moved.display_title == "Special session"
    assert moved.original_starts_at == second.original_starts_at
    with pytest.raises(ValidationError):
        occurrence_update(actor=coordinator, occurrence=first, ends_at=first.starts_at - timedelta(minutes=5))
    cancelled = occurrence_cancel(actor=coordinator, occurrence=first)
    assert cancelled.is_cancelled
    assert not occurrence_restore(actor=coordinator, occurrence=first).is_cancelled
    assert Occurrence.objects.filter(event=event).count() == 4
