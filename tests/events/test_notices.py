"""Update and cancellation notices: one email per member and change, to those going and waiting."""

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.db import transaction

from events.models import Occurrence
from events.services import event_cancel, event_update, occurrence_cancel, occurrence_update
from events.tasks import send_event_email_batch
from members.models import EmailDelivery
from tests.communities.factories import MembershipFactory
from tests.events.factories import in_days, make_event, make_rsvp
from tests.members.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def full_event(community, coordinator):
    """An in-person event with one place: one member going, one waiting, one maybe."""
    event = make_event(
        community=community, organiser=coordinator, title="Field visit", format="in_person", place="Kajiado", capacity=1
    )
    occurrence = Occurrence.objects.get(event=event)
    people = {}
    for name, response in (("going", "going"), ("waiting", "going"), ("maybe", "maybe")):
        user = UserFactory(username=name)
        MembershipFactory(community=community, user=user)
        make_rsvp(user=user, occurrence=occurrence, response=response)
        people[name] = user
    mail.outbox.clear()
    return event, occurrence, people


def notices_to(user):
    return [m for m in mail.outbox if m.to == [user.email] and ("Changed" in m.subject or "Cancelled" in m.subject)]


def test_a_new_place_is_emailed_once_to_those_going_and_waiting(
    full_event, coordinator, django_capture_on_commit_callbacks
):
    event, occurrence, people = full_event
    with django_capture_on_commit_callbacks(execute=True):
        event_update(actor=coordinator, event=event, place="Kajiado county offices, room 4")

    for name in ("going", "waiting"):
        (notice,) = notices_to(people[name])
        assert "Changed: Field visit" in notice.subject
        assert "the place" in notice.body
        assert "Kajiado county offices, room 4" in notice.body
    assert not notices_to(people["maybe"])


def test_a_retried_send_is_still_one_email_but_two_changes_are_two(
    full_event, coordinator, django_capture_on_commit_callbacks
):
    event, occurrence, people = full_event
    with django_capture_on_commit_callbacks(execute=True):
        event_update(actor=coordinator, event=event, place="Room 4")
    ids = list(EmailDelivery.objects.filter(kind="event_notice").values_list("pk", flat=True))
    send_event_email_batch.delay(delivery_ids=ids)  # a retry, a second worker
    assert len(notices_to(people["going"])) == 1

    with django_capture_on_commit_callbacks(execute=True):
        event_update(actor=coordinator, event=event, starts_at=in_days(4, hour=10), ends_at=in_days(4, hour=11))

    going = notices_to(people["going"])
    assert len(going) == 2
    assert "the time" in going[1].body


def test_cancelling_tells_each_one_once(full_event, coordinator, django_capture_on_commit_callbacks):
    event, occurrence, people = full_event
    with django_capture_on_commit_callbacks(execute=True):
        event_cancel(actor=coordinator, event=event)

    (notice,) = notices_to(people["going"])
    assert "Cancelled: Field visit" in notice.subject
    assert "is cancelled" in notice.body
    assert len(notices_to(people["waiting"])) == 1


def test_one_occurrence_of_a_series_moved_or_cancelled_tells_only_its_people(
    community, coordinator, django_capture_on_commit_callbacks
):
    event = make_event(
        community=community, organiser=coordinator, title="Weekly clinic", recurrence="FREQ=WEEKLY;COUNT=4"
    )
    first, second = Occurrence.objects.filter(event=event).order_by("starts_at")[:2]
    early, late = UserFactory(), UserFactory()
    for user, occurrence in ((early, first), (late, second)):
        MembershipFactory(community=community, user=user)
        make_rsvp(user=user, occurrence=occurrence)

    with django_capture_on_commit_callbacks(execute=True):
        occurrence_update(
            actor=coordinator,
            occurrence=second,
            starts_at=second.starts_at + timedelta(hours=2),
            ends_at=second.ends_at + timedelta(hours=2),
        )
        occurrence_cancel(actor=coordinator, occurrence=first)

    assert [m.subject.split("] ")[-1] for m in notices_to(early)] == ["Cancelled: Weekly clinic"]
    assert [m.subject.split("] ")[-1] for m in notices_to(late)] == ["Changed: Weekly clinic"]


def test_a_new_title_alone_sends_no_notice(full_event, coordinator, django_capture_on_commit_callbacks):
    event, occurrence, people = full_event
    with django_capture_on_commit_callbacks(execute=True):
        event_update(actor=coordinator, event=event, title="Field visit (with lunch)")

    assert not EmailDelivery.objects.filter(kind="event_notice").exists()


def test_a_change_that_rolls_back_records_and_sends_nothing(full_event, coordinator):
    event, occurrence, people = full_event
    with pytest.raises(RuntimeError), transaction.atomic():
        event_update(actor=coordinator, event=event, place="Room 9")
        raise RuntimeError("the request failed after the save")

    assert not EmailDelivery.objects.filter(kind="event_notice").exists()
    assert not mail.outbox


def test_someone_who_left_the_private_community_is_not_told(
    private_community, private_coordinator, django_capture_on_commit_callbacks
):
    event = make_event(
        community=private_community, organiser=private_coordinator, meeting_url="https://meet.example.org/x"
    )
    occurrence = Occurrence.objects.get(event=event)
    stays, leaves = UserFactory(), UserFactory()
    for user in (stays, leaves):
        MembershipFactory(community=private_community, user=user)
        make_rsvp(user=user, occurrence=occurrence)
    leaves.memberships.update(state="left")

    with django_capture_on_commit_callbacks(execute=True):
        event_update(actor=private_coordinator, event=event, meeting_url="https://meet.example.org/secret-new-room")

    assert len(notices_to(stays)) == 1
    assert not notices_to(leaves)
    assert all("secret-new-room" not in m.body for m in mail.outbox if m.to != [stays.email])


def test_a_date_dropped_by_an_edited_rule_is_a_cancellation_for_those_going(
    community, coordinator, django_capture_on_commit_callbacks
):
    event = make_event(
        community=community, organiser=coordinator, title="Weekly clinic", recurrence="FREQ=WEEKLY;COUNT=4"
    )
    last = Occurrence.objects.filter(event=event).order_by("starts_at").last()
    user = UserFactory(time_zone="Europe/Paris")
    MembershipFactory(community=community, user=user)
    make_rsvp(user=user, occurrence=last)
    starts = last.starts_at

    with django_capture_on_commit_callbacks(execute=True):
        event_update(actor=coordinator, event=event, recurrence="FREQ=WEEKLY;COUNT=2")

    assert not Occurrence.objects.filter(pk=last.pk).exists()
    (notice,) = notices_to(user)
    assert "Cancelled: Weekly clinic" in notice.subject
    assert f"{starts.astimezone(ZoneInfo('Europe/Paris')):%-d %B %Y}" in notice.body
    assert event.get_absolute_url() in notice.body
