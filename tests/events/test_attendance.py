"""Recording attendance after an occurrence: who may, what it records, what a member sees."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from events.attendance import attendance_record
from events.models import Occurrence, Rsvp
from tests.communities.factories import MembershipFactory
from tests.events.factories import EventFactory, RsvpFactory, make_event
from tests.members.factories import UserFactory

pytestmark = pytest.mark.django_db


def past_event(community, organiser, **fields):
    """A one-off that ended an hour ago (written directly: the services schedule what is ahead)."""
    starts = timezone.now() - timedelta(hours=2)
    event = EventFactory(
        community=community, organiser=organiser, starts_at=starts, ends_at=starts + timedelta(hours=1), **fields
    )
    return event, Occurrence.objects.get(event=event)


def attendance_url(occurrence):
    event = occurrence.event
    return reverse("events_life:attendance", args=[event.community.slug, event.pk, occurrence.pk])


@pytest.fixture
def answered(community, coordinator):
    event, occurrence = past_event(community, coordinator, title="Handpump webinar")
    people = {}
    for name, response in (("ana", "going"), ("ben", "going"), ("cai", "maybe"), ("dee", "not_going")):
        user = UserFactory(username=name, display_name=name.title())
        MembershipFactory(community=community, user=user)
        RsvpFactory(occurrence=occurrence, user=user, response=response)
        people[name] = user
    return occurrence, people


def test_coordinator_sees_everyone_who_answered_with_those_going_ticked(client, coordinator, answered):
    occurrence, people = answered
    client.force_login(coordinator)

    page = client.get(attendance_url(occurrence))

    assert page.status_code == 200
    html = page.content.decode()
    assert "<title>Attendance · Handpump webinar" in html
    for name in ("Ana", "Ben", "Cai", "Dee"):
        assert name in html
    assert html.count("checked") == 2  # the two going
    assert occurrence.get_absolute_url() in html  # the way back


def test_saving_records_who_came_who_did_not_and_a_member_who_came_without_answering(
    client, community, coordinator, answered
):
    occurrence, people = answered
    walk_in = UserFactory(username="eve")
    MembershipFactory(community=community, user=walk_in)
    client.force_login(coordinator)

    response = client.post(
        attendance_url(occurrence), {"attended": [people["ana"].pk, people["cai"].pk], "add": "@Eve"}
    )

    assert response.status_code == 302
    attended = dict(Rsvp.objects.filter(occurrence=occurrence).values_list("user__username", "attended"))
    assert attended == {"ana": True, "ben": False, "cai": True, "dee": False, "eve": True}
    occurrence.refresh_from_db()
    assert occurrence.attendance_recorded_at is not None


def test_saving_again_corrects_the_record(coordinator, answered):
    occurrence, people = answered
    attendance_record(actor=coordinator, occurrence=occurrence, attended_ids=[people["ana"].pk])
    attendance_record(actor=coordinator, occurrence=occurrence, attended_ids=[people["ben"].pk])

    attended = set(Rsvp.objects.filter(occurrence=occurrence, attended=True).values_list("user__username", flat=True))
    assert attended == {"ben"}


def test_an_unknown_or_outside_username_is_explained_and_nothing_is_saved(client, coordinator, answered):
    occurrence, people = answered
    UserFactory(username="stranger")
    client.force_login(coordinator)

    response = client.post(attendance_url(occurrence), {"attended": [people["ana"].pk], "add": "stranger, nobody"})

    assert response.status_code == 400
    assert "Not an active member of this community: nobody, stranger." in response.content.decode()
    assert "stranger, nobody" in response.content.decode()  # what was typed is kept
    occurrence.refresh_from_db()
    assert occurrence.attendance_recorded_at is None


def test_attendance_cannot_be_recorded_before_the_event_starts(community, coordinator):
    event = make_event(community=community, organiser=coordinator)
    with pytest.raises(ValidationError, match="once the event has started"):
        attendance_record(actor=coordinator, occurrence=Occurrence.objects.get(event=event), attended_ids=[])


def test_a_member_may_not_record_attendance_and_is_told_so(client, community, answered):
    occurrence, people = answered
    client.force_login(people["ana"])

    assert client.get(attendance_url(occurrence)).status_code == 403
    with pytest.raises(PermissionDenied):
        attendance_record(actor=people["ana"], occurrence=occurrence, attended_ids=[people["ana"].pk])


def test_an_outsider_gets_404_for_a_private_events_attendance(client, private_community, private_coordinator, outsider):
    event, occurrence = past_event(private_community, private_coordinator)
    client.force_login(outsider)

    assert client.get(attendance_url(occurrence)).status_code == 404


def test_the_attendance_page_costs_the_same_queries_for_10_or_100_answers(
    client, community, coordinator, django_assert_max_num_queries
):
    event, occurrence = past_event(community, coordinator)
    client.force_login(coordinator)
    for size in (10, 100):
        for _ in range(size - Rsvp.objects.filter(occurrence=occurrence).count()):
            RsvpFactory(occurrence=occurrence)
        with django_assert_max_num_queries(12):
            assert client.get(attendance_url(occurrence)).status_code == 200
