"""RSVPs and the waiting list: seats, moving up in order, telling the member, the way back."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from communities.services import membership_ban, membership_leave
from events.models import RsvpResponse
from events.rsvp import rsvp_set, rsvp_withdraw
from events.services import event_cancel, event_update, occurrence_cancel
from members.account_deletion import account_delete
from members.mailing import preferences_save
from members.models import Notification, NotificationKind
from tests.communities.factories import MembershipFactory
from tests.members.factories import UserFactory

from .factories import EventFactory, make_event, make_rsvp

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(community):
    return [
        MembershipFactory(community=community, user=UserFactory(username=name)).user for name in ("ann", "ben", "cat")
    ]


def _responses(occurrence):
    return dict(occurrence.rsvps.values_list("user__username", "response"))


def test_going_beyond_capacity_waits_and_the_first_waiting_moves_up_and_is_told(community, coordinator, people):
    ann, ben, cat = people
    occurrence = make_event(community=community, organiser=coordinator, capacity=1).occurrences.get()
    assert make_rsvp(user=ann, occurrence=occurrence).response == RsvpResponse.GOING
    assert make_rsvp(user=ben, occurrence=occurrence).response == RsvpResponse.WAITING
    assert make_rsvp(user=cat, occurrence=occurrence).response == RsvpResponse.WAITING
    rsvp_withdraw(actor=ann, occurrence=occurrence)
    assert _responses(occurrence) == {"ben": "going", "cat": "waiting"}
    told = Notification.objects.get(recipient=ben, kind=NotificationKind.EVENT)
    assert "place opened up" in told.title and told.url == occurrence.get_absolute_url()
    assert not Notification.objects.filter(recipient=cat).exists()


def test_saying_maybe_gives_the_seat_away_too(community, coordinator, people):
    ann, ben, _ = people
    occurrence = make_event(community=community, organiser=coordinator, capacity=1).occurrences.get()
    make_rsvp(user=ann, occurrence=occurrence)
    make_rsvp(user=ben, occurrence=occurrence)
    rsvp_set(actor=ann, occurrence=occurrence, response="maybe")
    assert _responses(occurrence) == {"ann": "maybe", "ben": "going"}


def test_more_places_move_people_up(community, coordinator, people):
    ann, ben, cat = people
    event = make_event(community=community, organiser=coordinator, capacity=1)
    occurrence = event.occurrences.get()
    for person in people:
        make_rsvp(user=person, occurrence=occurrence)
    event_update(actor=coordinator, event=event, capacity=3)
    assert _responses(occurrence) == {"ann": "going", "ben": "going", "cat": "going"}


def test_fewer_places_send_nobody_away(community, coordinator, people):
    ann, ben, cat = people
    event = make_event(community=community, organiser=coordinator, capacity=3)
    occurrence = event.occurrences.get()
    for person in people:
        make_rsvp(user=person, occurrence=occurrence)
    event_update(actor=coordinator, event=event, capacity=1)
    assert set(_responses(occurrence).values()) == {"going"}
    rsvp_withdraw(actor=ann, occurrence=occurrence)
    assert make_rsvp(user=ann, occurrence=occurrence).response == RsvpResponse.WAITING


def test_asking_going_twice_keeps_the_place_in_the_queue(community, coordinator, people):
    ann, ben, _ = people
    occurrence = make_event(community=community, organiser=coordinator, capacity=1).occurrences.get()
    make_rsvp(user=ann, occurrence=occurrence)
    first = make_rsvp(user=ben, occurrence=occurrence)
    again = make_rsvp(user=ben, occurrence=occurrence)
    assert again.waiting_since == first.waiting_since


def test_only_active_members_answer_even_in_a_public_community(community, coordinator, outsider):
    occurrence = make_event(community=community, organiser=coordinator).occurrences.get()
    with pytest.raises(PermissionDenied):
        rsvp_set(actor=outsider, occurrence=occurrence, response="going")
    pending = MembershipFactory(community=community, state="pending").user
    with pytest.raises(PermissionDenied):
        rsvp_set(actor=pending, occurrence=occurrence, response="going")


def test_no_answers_to_a_cancelled_or_past_occurrence(community, coordinator, people):
    ann = people[0]
    event = make_event(community=community, organiser=coordinator, recurrence="FREQ=WEEKLY;COUNT=2")
    first, second = event.occurrences.order_by("starts_at")
    occurrence_cancel(actor=coordinator, occurrence=first)
    with pytest.raises(ValidationError):
        rsvp_set(actor=ann, occurrence=first, response="going")
    event_cancel(actor=coordinator, event=event)
    with pytest.raises(ValidationError):
        rsvp_set(actor=ann, occurrence=second, response="going")
    past = EventFactory(community=community, starts_at=first.starts_at - timedelta(days=30))
    with pytest.raises(ValidationError):
        rsvp_set(actor=ann, occurrence=past.occurrences.get(), response="going")


def test_the_member_who_moves_up_is_emailed_as_their_preferences_say(
    community, coordinator, people, mailoutbox, django_capture_on_commit_callbacks
):
    ann, ben, cat = people
    preferences_save(actor=cat, user=cat, events="off")
    occurrence = make_event(community=community, organiser=coordinator, capacity=1).occurrences.get()
    make_rsvp(user=ann, occurrence=occurrence)
    make_rsvp(user=ben, occurrence=occurrence)
    make_rsvp(user=cat, occurrence=occurrence)
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        rsvp_withdraw(actor=ann, occurrence=occurrence)  # ben moves up: emailed
    with django_capture_on_commit_callbacks(execute=True):
        rsvp_withdraw(actor=ben, occurrence=occurrence)  # cat moves up: asked for no email
    assert [message.to for message in mailoutbox] == [[ben.email]]
    assert "place opened up" in mailoutbox[0].body


def test_a_member_who_leaves_or_is_banned_gives_up_their_seat(community, coordinator, people):
    ann, ben, cat = people
    occurrence = make_event(community=community, organiser=coordinator, capacity=1).occurrences.get()
    for person in people:
        make_rsvp(user=person, occurrence=occurrence)
    membership_leave(actor=ann, community=community)
    assert _responses(occurrence) == {"ben": "going", "cat": "waiting"}
    membership_ban(actor=coordinator, community=community, user=ben, reason="spam")
    assert _responses(occurrence) == {"cat": "going"}


def test_deleting_an_account_frees_the_seat_for_the_next_in_line(community, coordinator, people):
    ann, ben, _ = people
    occurrence = make_event(community=community, organiser=coordinator, capacity=1).occurrences.get()
    make_rsvp(user=ann, occurrence=occurrence)
    make_rsvp(user=ben, occurrence=occurrence)
    account_delete(actor=ann, user=ann, password="correct horse battery staple")
    assert _responses(occurrence) == {"ben": "going"}
