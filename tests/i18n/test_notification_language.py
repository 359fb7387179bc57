"""Notifications are written in their recipient's language: one reply tells a French author
and a Spanish follower each in their own words, with the replier's name in front; a hidden
post's notice and an event's "a place opened up" follow the member's language too."""

import pytest
from django.urls import reverse

from discussions.models import FollowLevel
from discussions.services.moderating import post_hide
from events.rsvp import rsvp_set, rsvp_withdraw
from members.models import Notification
from tests.communities.factories import MembershipFactory
from tests.discussions.factories import make_reply, make_thread
from tests.events.factories import EventFactory
from tests.members.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def french_member(member):
    member.language = "fr"
    member.save(update_fields=["language"])
    return member


@pytest.fixture
def spanish_follower(community):
    follower = UserFactory(username="sol", language="es")
    MembershipFactory(community=community, user=follower)
    return follower


def test_one_reply_notifies_each_recipient_in_their_language(
    client,
    community,
    active_membership,
    french_member,
    spanish_follower,
    coordinator,
    django_capture_on_commit_callbacks,
):
    thread = make_thread(community=community, author=french_member, title="Pipes")
    thread.read_states.update_or_create(user=spanish_follower, defaults={"follow": FollowLevel.FOLLOWING})
    english = UserFactory(username="eve")
    MembershipFactory(community=community, user=english)
    thread.read_states.update_or_create(user=english, defaults={"follow": FollowLevel.FOLLOWING})
    coordinator.display_name = "Cora"
    coordinator.save()

    with django_capture_on_commit_callbacks(execute=True):
        make_reply(thread=thread, author=coordinator, body="Use PVC.")

    assert Notification.objects.get(recipient=french_member).text == "Cora a répondu à votre discussion « Pipes »"
    assert Notification.objects.get(recipient=spanish_follower).text == "Cora publicó en «Pipes»"
    assert Notification.objects.get(recipient=english).text == "Cora posted in “Pipes”"

    client.force_login(french_member)
    page = client.get(reverse("members:notifications")).content.decode()
    assert "Cora a répondu à votre discussion « Pipes »" in page


def test_a_hidden_post_is_explained_in_its_authors_language(
    community, active_membership, french_member, coordinator, django_capture_on_commit_callbacks
):
    thread = make_thread(community=community, author=coordinator, title="Pipes")
    with django_capture_on_commit_callbacks(execute=True):
        post = make_reply(thread=thread, author=french_member, body="Buy my pumps")
    post_hide(actor=coordinator, post=post, reason="publicité")

    notice = Notification.objects.get(recipient=french_member, kind="post_hidden")
    assert notice.text == "Un coordinateur a masqué votre message dans « Pipes » : publicité"


def test_a_place_opening_up_is_told_in_the_members_language(community, active_membership, french_member, coordinator):
    event = EventFactory(community=community, organiser=coordinator, title="Atelier", capacity=1)
    occurrence = event.occurrences.get()
    rsvp_set(actor=coordinator, occurrence=occurrence, response="going")
    rsvp_set(actor=french_member, occurrence=occurrence, response="going")  # waits: the seat is taken
    rsvp_withdraw(actor=coordinator, occurrence=occurrence)

    notice = Notification.objects.get(recipient=french_member, kind="event")
    assert notice.text.startswith("Une place s'est libérée : vous participez à « Atelier » le ")
