"""Series: expansion in the organiser's zone (across daylight saving), the horizon and cap,
and what a series edit keeps."""

import zoneinfo
from datetime import datetime, timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from events.models import Occurrence
from events.recurrence import describe
from events.services import event_update, occurrence_cancel, occurrence_update, occurrences_extend
from events.tasks import extend_occurrences
from tests.communities.factories import MembershipFactory

from .factories import make_event, make_rsvp

pytestmark = pytest.mark.django_db
PARIS = zoneinfo.ZoneInfo("Europe/Paris")


def _paris(*args):
    return datetime(*args, tzinfo=PARIS)


def test_weekly_meeting_keeps_its_wall_clock_time_across_the_dst_change(community, coordinator):
    # 09:00 Paris on Tuesdays around the end of summer time (2027-10-31).
    start = _paris(2027, 10, 19, 9, 0)
    event = make_event(
        community=community,
        organiser=coordinator,
        time_zone="Europe/Paris",
        starts_at=start,
        ends_at=start + timedelta(hours=1, minutes=30),
        recurrence="FREQ=WEEKLY;COUNT=4",
    )
    occurrences = list(event.occurrences.order_by("starts_at"))
    assert [o.starts_at.astimezone(PARIS).strftime("%d %H:%M") for o in occurrences] == [
        "19 09:00", "26 09:00", "02 09:00", "09 09:00",
    ]  # fmt: skip
    # In UTC the meeting moves an hour later once Paris leaves summer time.
    assert [o.starts_at.astimezone(zoneinfo.ZoneInfo("UTC")).hour for o in occurrences] == [7, 7, 8, 8]
    assert all(o.ends_at - o.starts_at == timedelta(hours=1, minutes=30) for o in occurrences)


def test_an_open_ended_series_stops_at_the_horizon_and_the_cap(community, coordinator, settings):
    settings.EVENTS_MATERIALISE_MONTHS = 2
    weekly = make_event(community=community, organiser=coordinator, recurrence="FREQ=WEEKLY")
    assert 8 <= weekly.occurrences.count() <= 10
    settings.EVENTS_MATERIALISE_MONTHS = 12
    settings.EVENTS_MAX_OCCURRENCES = 30
    daily = make_event(community=community, organiser=coordinator, recurrence="FREQ=DAILY")
    assert daily.occurrences.count() == 30


def test_extending_adds_the_dates_that_came_within_the_horizon_once(community, coordinator, settings):
    settings.EVENTS_MATERIALISE_MONTHS = 1
    event = make_event(community=community, organiser=coordinator, recurrence="FREQ=WEEKLY")
    before = event.occurrences.count()
    later = timezone.now() + timedelta(days=21)
    added = occurrences_extend(event=event, now=later)
    assert added >= 2
    assert occurrences_extend(event=event, now=later) == 0
    assert event.occurrences.count() == before + added


def test_series_edit_keeps_rsvps_edited_and_cancelled_dates(community, coordinator):
    member = MembershipFactory(community=community).user
    event = make_event(community=community, organiser=coordinator, recurrence="FREQ=WEEKLY;COUNT=5")
    first, second, third, fourth, _fifth = event.occurrences.order_by("starts_at")
    make_rsvp(user=member, occurrence=first)
    edited = occurrence_update(actor=coordinator, occurrence=second, title="Guest speaker")
    occurrence_cancel(actor=coordinator, occurrence=third)
    make_rsvp(user=member, occurrence=fourth)

    # The meeting moves two hours later and lasts longer: the same dates, at a new time.
    event = event_update(
        actor=coordinator,
        event=event,
        starts_at=event.starts_at + timedelta(hours=2),
        ends_at=event.ends_at + timedelta(hours=3),
    )
    rows = list(event.occurrences.order_by("original_starts_at"))
    assert len(rows) == 5
    assert [r.pk for r in rows] == [first.pk, second.pk, third.pk, fourth.pk, _fifth.pk]
    assert rows[0].starts_at == first.starts_at + timedelta(hours=2)
    assert rows[0].ends_at - rows[0].starts_at == timedelta(hours=2)
    assert rows[0].rsvps.get().user == member and rows[3].rsvps.get().user == member
    # The edited date keeps its own time; the cancelled one stays cancelled.
    assert rows[1].starts_at == edited.starts_at and rows[1].title == "Guest speaker"
    assert rows[2].is_cancelled


def test_shortening_a_series_drops_the_dates_it_no_longer_gives(community, coordinator):
    event = make_event(community=community, organiser=coordinator, recurrence="FREQ=WEEKLY;COUNT=6")
    last = event.occurrences.order_by("starts_at").last()
    make_rsvp(user=MembershipFactory(community=community).user, occurrence=last)
    event_update(actor=coordinator, event=event, recurrence="FREQ=WEEKLY;COUNT=3")
    assert event.occurrences.count() == 3
    assert not Occurrence.objects.filter(pk=last.pk).exists()


def test_a_one_off_event_moves_with_its_rsvps(community, coordinator):
    event = make_event(community=community, organiser=coordinator)
    occurrence = event.occurrences.get()
    make_rsvp(user=MembershipFactory(community=community).user, occurrence=occurrence)
    event = event_update(
        actor=coordinator,
        event=event,
        starts_at=event.starts_at + timedelta(days=2),
        ends_at=event.ends_at + timedelta(days=2),
    )
    moved = event.occurrences.get()
    assert moved.pk == occurrence.pk and moved.starts_at == event.starts_at and moved.rsvps.count() == 1


def test_rules_are_described_in_words():
    assert describe("FREQ=WEEKLY;COUNT=6") == "every week, 6 times"
    assert describe("FREQ=WEEKLY;INTERVAL=2") == "every 2 weeks"
    assert describe("FREQ=MONTHLY;UNTIL=20270630T215959Z") == "every month, until 30/06/2027"
    assert describe("FREQ=MONTHLY;BYDAY=1TU") == "FREQ=MONTHLY;BYDAY=1TU"


def test_the_extend_command_is_idempotent(community, coordinator, settings):
    make_event(community=community, organiser=coordinator, recurrence="FREQ=WEEKLY")
    call_command("events_extend_occurrences")
    count = Occurrence.objects.count()
    call_command("events_extend_occurrences")
    assert Occurrence.objects.count() == count


def test_a_series_started_long_ago_keeps_only_its_latest_past_dates(community, coordinator, settings):
    settings.EVENTS_MAX_OCCURRENCES = 20
    settings.EVENTS_MATERIALISE_MONTHS = 1
    start = timezone.now() - timedelta(days=400)
    event = make_event(
        community=community,
        organiser=coordinator,
        recurrence="FREQ=DAILY",
        starts_at=start,
        ends_at=start + timedelta(hours=1),
    )
    now = timezone.now()
    assert event.occurrences.filter(starts_at__lte=now).count() == 20
    assert event.occurrences.filter(starts_at__gt=now).count() == 20


def test_beat_extends_open_ended_series_daily(community, coordinator, settings):
    settings.EVENTS_MATERIALISE_MONTHS = 1
    event = make_event(community=community, organiser=coordinator, recurrence="FREQ=WEEKLY")
    full = event.occurrences.count()
    # As if the series was created weeks ago: its last dates are not there yet.
    last_two = event.occurrences.order_by("-starts_at").values_list("pk", flat=True)[:2]
    Occurrence.objects.filter(pk__in=list(last_two)).delete()

    assert extend_occurrences.delay().get() == 2
    assert event.occurrences.count() == full
    assert extend_occurrences.delay().get() == 0
    assert settings.CELERY_BEAT_SCHEDULE["events-extend-occurrences"]["task"] == extend_occurrences.name
