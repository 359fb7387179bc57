"""axe-core finds no violations on the events pages, at desktop and phone width, with real
content (a series with an edited and a cancelled date, answers and a waiting list)."""

from datetime import timedelta

import pytest
from django.urls import reverse

from events.services import occurrence_cancel, occurrence_update
from tests.communities.factories import CommunityFactory, MembershipFactory
from tests.events.factories import in_days, make_event, make_rsvp
from tests.members.factories import UserFactory

from .axe import axe_violations, describe
from .conftest import DESKTOP, PHONE
from .test_onboarding_journey import sign_in

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_events_pages_have_no_axe_violations(new_page, console_errors, viewport):
    community = CommunityFactory(name="Rural Water Supply", slug="rural-water")
    cora = MembershipFactory(community=community, role="coordinator", user=UserFactory(username="cora")).user
    event = make_event(
        community=community,
        organiser=cora,
        title="Handpump clinic",
        time_zone="Europe/Paris",
        capacity=1,
        recurrence="FREQ=WEEKLY;COUNT=4",
        description="Bring **photos** of the pump.",
    )
    first, second, third, _ = event.occurrences.order_by("starts_at")
    occurrence_update(actor=cora, occurrence=second, title="Guest session", place="Room 2")
    occurrence_cancel(actor=cora, occurrence=third)
    for name in ("amara", "bruno"):
        make_rsvp(user=MembershipFactory(community=community, user=UserFactory(username=name)).user, occurrence=first)
    make_event(
        community=community,
        organiser=cora,
        title="Old meetup",
        starts_at=in_days(-9),
        ends_at=in_days(-9) + timedelta(hours=1),
    )

    page = new_page(viewport=viewport)
    sign_in(page, email=cora.email)
    paths = [
        reverse("events:list", args=[community.slug]),
        reverse("events:list", args=[community.slug]) + "?when=past",
        event.get_absolute_url(),
        reverse("events:new", args=[community.slug]),
        reverse("events:edit", args=[community.slug, event.pk]),
        reverse("events:cancel", args=[community.slug, event.pk]),
        reverse("events:occurrence_edit", args=[community.slug, event.pk, second.pk]),
        reverse("events:calendar_settings"),
    ]
    found = {}
    for path in paths:
        page.goto(path)
        if violations := axe_violations(page):
            found[path] = describe(violations)
    assert not found, found
    console_errors.assert_none()
