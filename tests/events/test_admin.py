"""/manage/ shows coordinators only their communities' events, and cancels through the service."""

import pytest
from django.urls import reverse

from events.models import Event
from tests.communities.factories import CommunityFactory, MembershipFactory

from .factories import make_event

pytestmark = pytest.mark.django_db


def test_coordinator_sees_only_their_events_and_cancels_one(client, community, coordinator):
    mine = make_event(community=community, organiser=coordinator, title="Our clinic")
    other = CommunityFactory()
    make_event(community=other, title="Their meetup")
    client.force_login(coordinator)
    page = client.get(reverse("manage:events_event_changelist")).content.decode()
    assert "Our clinic" in page and "Their meetup" not in page
    client.post(
        reverse("manage:events_event_changelist"),
        {"action": "cancel_events", "_selected_action": [mine.pk]},
    )
    assert Event.objects.get(pk=mine.pk).cancelled_at is not None


def test_staff_admin_lists_events(client, staff, community):
    make_event(community=community, title="Any event")
    client.force_login(staff)
    assert "Any event" in client.get(reverse("admin:events_event_changelist")).content.decode()


def test_plain_member_has_no_manage_events(client, community):
    member = MembershipFactory(community=community).user
    client.force_login(member)
    response = client.get(reverse("manage:events_event_changelist"))
    assert response.status_code in (302, 403)
