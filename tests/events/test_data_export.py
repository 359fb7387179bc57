"""A member's data export holds their answers and the events they scheduled."""

import pytest

from events import data_export
from members.data_export.registry import export_sections
from tests.communities.factories import MembershipFactory

from .factories import make_event, make_rsvp

pytestmark = pytest.mark.django_db


def test_export_has_answers_and_organised_events(community, coordinator):
    assert {"event_rsvps", "events_organised"} <= {section.name for section in export_sections()}
    member = MembershipFactory(community=community).user
    event = make_event(community=community, organiser=coordinator, title="Clinic")
    make_rsvp(user=member, occurrence=event.occurrences.get(), response="maybe")
    [answer] = list(data_export.rsvps(member, archive=None))
    assert answer["event"] == "Clinic" and answer["response"] == "maybe"
    [organised] = list(data_export.organised(coordinator, archive=None))
    assert organised["title"] == "Clinic" and organised["meeting_url"].startswith("https://")
