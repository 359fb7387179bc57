"""After a meeting, in a real browser: the coordinator records who attended (unticking someone
who did not come, adding someone who came without answering), links the slides from the
library to the event, and a member then finds them on the event page; on a phone too. axe-core
finds no violations on the attendance page and the event page with its harvest."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from events.models import Occurrence, Rsvp
from tests.communities.factories import CommunityFactory, MembershipFactory, coordinator_of
from tests.events.factories import EventFactory, RsvpFactory
from tests.members.factories import UserFactory
from tests.resources.factories import make_link

from .axe import assert_no_axe_violations
from .conftest import PHONE
from .test_onboarding_journey import sign_in

pytestmark = pytest.mark.browser


@pytest.fixture
def meeting(db):
    community = CommunityFactory(name="Water Security & WASH", slug="water")
    coordinator = coordinator_of(community, user=UserFactory(username="amina", display_name="Amina Diallo"))
    people = {}
    for username, name in (("kwame", "Kwame Mensah"), ("carmen", "Carmen Lopez"), ("dewi", "Dewi Lestari")):
        people[username] = UserFactory(username=username, display_name=name)
        MembershipFactory(community=community, user=people[username])
    starts = timezone.now() - timedelta(days=1, hours=2)
    event = EventFactory(
        community=community,
        organiser=coordinator,
        title="Webinar: keeping handpumps working",
        starts_at=starts,
        ends_at=starts + timedelta(hours=1),
    )
    occurrence = Occurrence.objects.get(event=event)
    RsvpFactory(occurrence=occurrence, user=people["kwame"])
    RsvpFactory(occurrence=occurrence, user=people["carmen"])
    make_link(
        community=community, author=coordinator, title="Handpump webinar slides", url="https://example.org/slides"
    )
    return community, coordinator, people, occurrence


def test_coordinator_records_attendance_links_the_slides_and_a_member_finds_them(new_page, meeting, console_errors):
    community, coordinator, people, occurrence = meeting
    page = new_page()
    sign_in(page, email=coordinator.email)
    page.goto(occurrence.get_absolute_url())
    expect(page.get_by_role("heading", level=1)).to_have_text("Webinar: keeping handpumps working")

    page.get_by_role("link", name="Record attendance").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Who attended?")
    expect(page).to_have_title(re.compile(r"^Attendance · Webinar"))
    expect(page.get_by_label(re.compile("Kwame Mensah"))).to_be_checked()
    assert_no_axe_violations(page)
    page.get_by_label(re.compile("Carmen Lopez")).uncheck()  # said yes, did not come
    page.get_by_label("Add members who came without answering").fill("dewi")
    page.get_by_role("button", name="Save attendance").click()

    expect(page.get_by_text("Attendance recorded.")).to_be_visible()
    attended = dict(Rsvp.objects.filter(occurrence=occurrence).values_list("user__username", "attended"))
    assert attended == {"kwame": True, "carmen": False, "dewi": True}

    page.get_by_label("Link a resource from the library").select_option(label="Handpump webinar slides (Link)")
    page.get_by_role("button", name="Link to this event").click()
    expect(page.get_by_text("Linked to this event.")).to_be_visible()
    harvest = page.locator("#harvest")
    expect(harvest.get_by_role("link", name="Handpump webinar slides")).to_be_visible()
    expect(page.get_by_role("link", name="Document this as a practice")).to_be_visible()
    assert_no_axe_violations(page)

    member_page = new_page(viewport=PHONE)
    sign_in(member_page, email=people["kwame"].email)
    member_page.goto(occurrence.get_absolute_url())
    slides = member_page.locator("#harvest").get_by_role("link", name="Handpump webinar slides")
    expect(slides).to_be_visible()
    expect(member_page.get_by_role("button", name="Link to this event")).to_have_count(0)
    assert_no_axe_violations(member_page)
    slides.click()
    expect(member_page.get_by_role("heading", level=1)).to_contain_text("Handpump webinar slides")
    console_errors.assert_none()
