"""An event in a real browser: a coordinator schedules a weekly meeting with one place, member
A takes it, member B (on a phone) joins the waiting list, A withdraws, and B is going and
finds the notification that a place opened up. Plain form posts: no JavaScript needed."""

import re

import pytest
from playwright.sync_api import expect

from events.models import Event
from tests.communities.factories import CommunityFactory, MembershipFactory
from tests.members.factories import UserFactory

from .conftest import PHONE
from .test_onboarding_journey import sign_in

pytestmark = pytest.mark.browser

TITLE = "Weekly handpump clinic"


def rsvp_box(page):
    return page.locator("section", has=page.get_by_role("heading", name="Are you going?"))


def test_weekly_event_with_one_place_and_a_waiting_list_that_moves_up(new_page, console_errors):
    community = CommunityFactory(name="Rural Water Supply", slug="rural-water")
    cora = MembershipFactory(community=community, role="coordinator", user=UserFactory(username="cora")).user
    amara = MembershipFactory(community=community, user=UserFactory(username="amara", display_name="Amara")).user
    bruno = MembershipFactory(community=community, user=UserFactory(username="bruno", display_name="Bruno")).user

    # The coordinator schedules a weekly online event with one place; a first try with an
    # end before the start is explained and keeps what was typed.
    coordinator_page = new_page()
    sign_in(coordinator_page, email=cora.email)
    coordinator_page.goto("/c/rural-water/events/")
    coordinator_page.get_by_role("link", name="Schedule an event").click()
    coordinator_page.get_by_label(re.compile(r"^Title")).fill(TITLE)
    coordinator_page.get_by_label(re.compile(r"^Meeting link")).fill("https://meet.example.org/clinic")
    coordinator_page.get_by_label(re.compile(r"^Time zone")).select_option("Europe/Paris")
    coordinator_page.get_by_label(re.compile(r"^Starts")).fill("2031-03-04T09:00")
    coordinator_page.get_by_label(re.compile(r"^Ends")).fill("2031-03-04T08:00")
    coordinator_page.get_by_label(re.compile(r"^Capacity")).fill("1")
    coordinator_page.get_by_label(re.compile(r"^Repeats")).select_option("FREQ=WEEKLY")
    coordinator_page.get_by_label(re.compile(r"^How many times")).fill("6")
    coordinator_page.get_by_role("button", name="Schedule").click()
    expect(coordinator_page.get_by_text("The event must end after it starts.")).to_be_visible()
    expect(coordinator_page.get_by_label(re.compile(r"^Title"))).to_have_value(TITLE)
    coordinator_page.get_by_label(re.compile(r"^Ends")).fill("2031-03-04T10:30")
    coordinator_page.get_by_role("button", name="Schedule").click()
    expect(coordinator_page.get_by_role("heading", level=1)).to_have_text(TITLE)
    expect(coordinator_page.get_by_role("heading", name="Next dates")).to_be_visible()
    event = Event.objects.get(title=TITLE)
    assert event.occurrences.count() == 6

    # Amara takes the only place.
    amara_page = new_page()
    sign_in(amara_page, email=amara.email)
    amara_page.goto(event.get_absolute_url())
    expect(amara_page.get_by_role("link", name="https://meet.example.org/clinic")).to_be_visible()
    amara_page.get_by_role("button", name="Going", exact=True).click()
    expect(rsvp_box(amara_page)).to_contain_text("Your answer: Going")

    # Bruno, on his phone, finds it full and joins the waiting list.
    bruno_page = new_page(viewport=PHONE)
    sign_in(bruno_page, email=bruno.email)
    bruno_page.goto(event.get_absolute_url())
    expect(bruno_page).to_have_title(re.compile(TITLE))
    bruno_page.get_by_role("button", name="Join the waiting list").click()
    expect(rsvp_box(bruno_page)).to_contain_text("number 1 on the waiting list")

    # Amara withdraws: Bruno moves up at once.
    amara_page.get_by_role("button", name="Withdraw my answer").click()
    expect(amara_page.get_by_text("Your answer is withdrawn.")).to_be_visible()

    bruno_page.reload()
    expect(rsvp_box(bruno_page)).to_contain_text("Your answer: Going")
    bruno_page.goto("/notifications/")
    notice = bruno_page.get_by_role("link", name=re.compile("A place opened up"))
    expect(notice).to_be_visible()
    notice.click()
    expect(bruno_page.get_by_role("heading", level=1)).to_have_text(TITLE)
    console_errors.assert_none()
