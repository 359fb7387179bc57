"""Event reminders: who gets one, when, once, and what it says (tasks run in-process here; the
real worker, a doubled beat and a killed worker are in test_reminders_worker.py)."""

import re
from datetime import timedelta
from urllib.parse import urlparse

import pytest
from django.core import mail
from django.utils import timezone

from events.models import EventReminderPreference, Occurrence
from events.reminders import reminders_plan, window_of
from events.services import occurrence_cancel
from events.tasks import event_reminders_schedule, send_event_email_batch
from members.models import EmailDelivery
from tests.communities.factories import MembershipFactory
from tests.events.factories import make_event, make_rsvp
from tests.members.factories import UserFactory

pytestmark = pytest.mark.django_db


def going_member(community, occurrence, **user_fields):
    user = UserFactory(**user_fields)
    MembershipFactory(community=community, user=user)
    make_rsvp(user=user, occurrence=occurrence)
    return user


def event_in(community, delta, **fields):
    starts = timezone.now() + delta
    event = make_event(community=community, starts_at=starts, ends_at=starts + timedelta(hours=1), **fields)
    return event, Occurrence.objects.get(event=event)


def sent_to(user):
    return [message for message in mail.outbox if message.to == [user.email]]


def test_windows_an_hour_ahead_is_the_hour_reminder_a_day_ahead_the_day_one():
    now = timezone.now()
    assert window_of(now + timedelta(minutes=40), now) == "hour"
    assert window_of(now + timedelta(hours=5), now) == "day"
    assert window_of(now + timedelta(hours=25), now) is None
    assert window_of(now - timedelta(minutes=1), now) is None


def test_member_going_gets_the_day_reminder_once_even_when_the_beat_fires_twice(community):
    event, occurrence = event_in(community, timedelta(hours=20), title="Sampling design clinic")
    user = going_member(community, occurrence)

    event_reminders_schedule.delay()
    event_reminders_schedule.delay()

    (message,) = sent_to(user)
    local_day = (occurrence.starts_at.date() - timezone.now().date()).days  # the member is on UTC
    assert message.subject.endswith(f"{'Today' if local_day == 0 else 'Tomorrow'}: Sampling design clinic")
    assert EmailDelivery.objects.get(recipient=user).key == f"event-reminder:{occurrence.pk}:day"


def test_an_hour_before_the_hour_reminder_follows_the_day_one(community):
    event, occurrence = event_in(community, timedelta(minutes=50), title="Handpump call")
    user = going_member(community, occurrence)
    EmailDelivery.objects.create(
        recipient=user, kind="event_reminder", key=f"event-reminder:{occurrence.pk}:day", state="sent"
    )

    event_reminders_schedule.delay()

    (message,) = sent_to(user)
    assert "Starting in an hour: Handpump call" in message.subject


def test_only_those_going_who_still_belong_and_want_it_are_reminded(community):
    event, occurrence = event_in(community, timedelta(hours=3))
    going = going_member(community, occurrence)
    maybe = UserFactory()
    MembershipFactory(community=community, user=maybe)
    make_rsvp(user=maybe, occurrence=occurrence, response="maybe")
    no_day = going_member(community, occurrence)
    EventReminderPreference.objects.create(user=no_day, day_before=False, hour_before=True)
    left = going_member(community, occurrence)
    left.memberships.update(state="left")
    muted = going_member(community, occurrence)
    muted.memberships.update(email_muted=True)

    event_reminders_schedule.delay()

    assert [m.to for m in mail.outbox] == [[going.email]]


def test_the_reminder_gives_the_time_in_the_members_zone_the_link_the_ics_and_the_way_to_stop(community, client):
    event, occurrence = event_in(
        community, timedelta(hours=10), title="Utility roundtable", meeting_url="https://meet.example.org/nrw"
    )
    user = going_member(community, occurrence, time_zone="Asia/Tokyo")

    event_reminders_schedule.delay()

    (message,) = sent_to(user)
    local = occurrence.starts_at.astimezone(timezone.get_fixed_timezone(9 * 60))
    assert f"{local:%H:%M}" in message.body
    assert "(Asia/Tokyo)" in message.body
    assert "https://meet.example.org/nrw" in message.body
    assert f"/c/{community.slug}/events/{event.pk}.ics" in message.body
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    unsubscribe = urlparse(re.search(r"<([^>]+)>", message.extra_headers["List-Unsubscribe"]).group(1)).path
    assert client.post(unsubscribe).status_code in (200, 302)
    preference = EventReminderPreference.objects.get(user=user)
    assert (preference.day_before, preference.hour_before) == (False, False)


def test_a_reminder_for_an_occurrence_cancelled_after_planning_is_skipped(community):
    event, occurrence = event_in(community, timedelta(hours=10))
    user = going_member(community, occurrence)
    (delivery_id,) = reminders_plan(timezone.now())
    occurrence_cancel(actor=event.organiser, occurrence=occurrence)

    send_event_email_batch.delay(delivery_ids=[delivery_id])

    assert EmailDelivery.objects.get(pk=delivery_id).state == "skipped"
    assert not sent_to(user)


def test_a_private_communitys_reminder_goes_only_to_its_active_members(private_community, private_coordinator):
    event, occurrence = event_in(private_community, timedelta(hours=10), organiser=private_coordinator)
    insider = going_member(private_community, occurrence)

    event_reminders_schedule.delay()

    assert [m.to for m in mail.outbox] == [[insider.email]]
