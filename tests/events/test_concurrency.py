"""The last seat under real concurrency: threads on their own connections, started together.
Postgres only (SQLite has no row locks to test; it serialises writers anyway)."""

import pytest
from django.db import connection

from events.models import RsvpResponse
from events.rsvp import rsvp_set, rsvp_withdraw
from tests.communities.factories import CommunityFactory, MembershipFactory
from tests.concurrency import run_together

from .factories import make_event

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need Postgres"),
]


def test_two_people_taking_the_last_seat_at_once_give_one_going_and_one_waiting():
    community = CommunityFactory()
    occurrence = make_event(community=community, capacity=1).occurrences.get()
    ann, ben = (MembershipFactory(community=community).user for _ in range(2))

    outcomes = run_together(
        lambda: rsvp_set(actor=ann, occurrence=occurrence, response="going"),
        lambda: rsvp_set(actor=ben, occurrence=occurrence, response="going"),
    )

    assert outcomes == [None, None]
    assert sorted(occurrence.rsvps.values_list("response", flat=True)) == [RsvpResponse.GOING, RsvpResponse.WAITING]


def test_a_crowd_for_two_seats_and_leavers_racing_the_waiting_list():
    community = CommunityFactory()
    occurrence = make_event(community=community, capacity=2).occurrences.get()
    crowd = [MembershipFactory(community=community).user for _ in range(8)]

    assert (
        run_together(*[(lambda p=p: rsvp_set(actor=p, occurrence=occurrence, response="going")) for p in crowd])
        == [None] * 8
    )
    assert occurrence.rsvps.going().count() == 2 and occurrence.rsvps.waiting().count() == 6

    going = list(occurrence.rsvps.going().values_list("user", flat=True))
    leavers = [p for p in crowd if p.pk in going]
    assert run_together(*[(lambda p=p: rsvp_withdraw(actor=p, occurrence=occurrence)) for p in leavers]) == [None] * 2
    assert occurrence.rsvps.going().count() == 2 and occurrence.rsvps.waiting().count() == 4
