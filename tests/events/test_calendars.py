"""Calendar files and feeds, parsed back with icalendar: times, RRULE, EXDATE, RECURRENCE-ID,
VTIMEZONE, and that private events never reach outsiders."""

import zoneinfo
from datetime import datetime, timedelta

import icalendar
import pytest
from django.urls import reverse

from events.services import calendar_feed_key_renew, event_cancel, event_update, occurrence_cancel, occurrence_update
from tests.communities.factories import MembershipFactory

from .factories import make_event

pytestmark = pytest.mark.django_db
PARIS = zoneinfo.ZoneInfo("Europe/Paris")


def _parse(response):
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    return icalendar.Calendar.from_ical(response.content)


def _series(community, organiser):
    start = datetime(2030, 10, 15, 9, 0, tzinfo=PARIS)  # Tuesdays, across the end of summer time
    return make_event(
        community=community,
        organiser=organiser,
        title="Practice clinic",
        time_zone="Europe/Paris",
        starts_at=start,
        ends_at=start + timedelta(hours=1),
        recurrence="FREQ=WEEKLY;COUNT=5",
        meeting_url="https://meet.example.org/clinic",
    )


def test_event_ics_has_the_series_exceptions_and_timezone(client, community, coordinator):
    event = _series(community, coordinator)
    first, second, third, _, _ = event.occurrences.order_by("starts_at")
    occurrence_cancel(actor=coordinator, occurrence=second)
    occurrence_update(
        actor=coordinator,
        occurrence=third,
        starts_at=third.starts_at + timedelta(hours=3),
        ends_at=third.ends_at + timedelta(hours=3),
        title="Guest session",
    )
    response = client.get(reverse("events:ics", args=[community.slug, event.pk]))
    assert response["Content-Disposition"] == 'attachment; filename="practice-clinic.ics"'
    calendar = _parse(response)
    assert calendar["METHOD"] == "PUBLISH"
    [vtimezone] = calendar.walk("VTIMEZONE")
    assert vtimezone["TZID"] == "Europe/Paris"
    master, override = calendar.walk("VEVENT")
    assert master["UID"] == override["UID"] == event.uid
    assert master.decoded("DTSTART") == datetime(2030, 10, 15, 9, 0, tzinfo=PARIS)
    assert master["DTSTART"].params["TZID"] == "Europe/Paris"
    assert master["RRULE"].to_ical() == b"FREQ=WEEKLY;COUNT=5"
    exdates = [d.dt for exdate in [master["EXDATE"]] for d in exdate.dts]
    assert exdates == [second.original_starts_at.astimezone(PARIS)]
    assert override.decoded("RECURRENCE-ID") == third.original_starts_at.astimezone(PARIS)
    assert override.decoded("DTSTART").astimezone(PARIS).hour == 12 and str(override["SUMMARY"]) == "Guest session"
    assert master["SEQUENCE"] == 2 and master["STATUS"] == "CONFIRMED"
    # A visitor's copy has no meeting link.
    assert b"meet.example.org" not in response.content


def test_expanding_the_ics_gives_the_same_dates_as_the_page(client, community, coordinator):
    event = _series(community, coordinator)
    calendar = _parse(client.get(reverse("events:ics", args=[community.slug, event.pk])))
    master = calendar.walk("VEVENT")[0]
    from dateutil.rrule import rrulestr  # noqa: PLC0415

    rule = rrulestr(master["RRULE"].to_ical().decode(), dtstart=master.decoded("DTSTART"))
    assert list(rule) == [o.starts_at.astimezone(PARIS) for o in event.occurrences.order_by("starts_at")]
    assert {d.hour for d in rule} == {9}  # wall-clock 09:00 on both sides of the DST change


def test_uid_is_stable_and_sequence_grows_and_a_cancelled_event_says_so(client, community, coordinator):
    event = _series(community, coordinator)
    url = reverse("events:ics", args=[community.slug, event.pk])
    before = _parse(client.get(url)).walk("VEVENT")[0]
    event = event_update(actor=coordinator, event=event, title="Renamed clinic")
    event_cancel(actor=coordinator, event=event)
    after = _parse(client.get(url)).walk("VEVENT")[0]
    assert after["UID"] == before["UID"]
    assert after["SEQUENCE"] > before["SEQUENCE"]
    assert after["STATUS"] == "CANCELLED" and str(after["SUMMARY"]) == "Renamed clinic"


def test_public_community_feed_for_anyone_private_feed_404(
    client, community, coordinator, private_community, private_coordinator
):
    _series(community, coordinator)
    make_event(community=private_community, organiser=private_coordinator, title="Secret strategy")
    calendar = _parse(client.get(reverse("events:community_feed", args=[community.slug])))
    assert [str(e["SUMMARY"]) for e in calendar.walk("VEVENT")] == ["Practice clinic"]
    assert client.get(reverse("events:community_feed", args=[private_community.slug])).status_code == 404
    client.force_login(MembershipFactory(community=private_community).user)
    assert client.get(reverse("events:community_feed", args=[private_community.slug])).status_code == 404


def test_member_feed_has_their_communities_events_with_links_and_renewing_kills_the_old_address(
    client, community, coordinator, private_community, private_coordinator, outsider
):
    _series(community, coordinator)
    make_event(
        community=private_community,
        organiser=private_coordinator,
        title="Secret strategy",
        meeting_url="https://meet.example.org/private-room",
    )
    make_event(community=private_community, organiser=private_coordinator, title="Hidden from outsiders")
    member = MembershipFactory(community=private_community).user
    key = calendar_feed_key_renew(actor=member)
    response = client.get(reverse("events:member_feed", args=[key.token]))
    assert response["Cache-Control"].startswith("private")
    calendar = _parse(response)
    titles = sorted(str(e["SUMMARY"]) for e in calendar.walk("VEVENT"))
    assert titles == ["Hidden from outsiders", "Secret strategy"]  # not the public community they never joined
    assert b"private-room" in response.content

    outsider_key = calendar_feed_key_renew(actor=outsider)
    outsider_feed = client.get(reverse("events:member_feed", args=[outsider_key.token]))
    assert b"Secret strategy" not in outsider_feed.content and _parse(outsider_feed).walk("VEVENT") == []

    old = key.token
    client.force_login(member)
    client.post(reverse("events:calendar_feed_renew"))
    assert client.get(reverse("events:member_feed", args=[old])).status_code == 404
    page = client.get(reverse("events:calendar_settings")).content.decode()
    key.refresh_from_db()
    assert key.token != old and key.token in page


def test_a_member_who_leaves_loses_the_events_from_their_feed(client, private_community, private_coordinator):
    make_event(community=private_community, organiser=private_coordinator, title="Secret strategy")
    membership = MembershipFactory(community=private_community)
    key = calendar_feed_key_renew(actor=membership.user)
    assert b"Secret strategy" in client.get(reverse("events:member_feed", args=[key.token])).content
    membership.delete()  # left the community
    assert b"Secret strategy" not in client.get(reverse("events:member_feed", args=[key.token])).content
