"""The expertise finder in a real browser, on a phone: a member asks who knows about
groundwater, sees the members ranked with their reasons, opens the best one's profile, asks
them a question in a community they share, and the question mentions them."""

import re

import pytest
from playwright.sync_api import expect

from discussions.models import Thread
from discussions.services.reacting import answer_accept
from members.models import Notification
from members.services import profile_update
from tests.communities.factories import CommunityFactory, MembershipFactory
from tests.discussions.factories import make_reply, make_thread
from tests.members.factories import UserFactory

from .conftest import PHONE
from .test_onboarding_journey import fits_the_screen, sign_in

pytestmark = pytest.mark.browser


def test_member_finds_who_knows_about_groundwater_and_asks_them(new_page, console_errors):
    community = CommunityFactory(name="Water Security", slug="water-security")
    mira = UserFactory(username="mira", display_name="Mira Okafor")
    ben = UserFactory(username="ben", display_name="Ben Osei")
    ana = UserFactory(username="ana", display_name="Ana Lima")
    for person in (mira, ben, ana):
        MembershipFactory(community=community, user=person)
    profile_update(actor=ana, user=ana, expertise=["groundwater"])
    question = make_thread(
        community=community, author=ana, title="Yield dropping", kind="question", tags=["groundwater"]
    )
    answer_accept(actor=ana, post=make_reply(thread=question, author=ben, body="Check the screen."))

    page = new_page(viewport=PHONE)
    sign_in(page, email=mira.email)
    page.goto("/members/")
    page.get_by_label("Who knows about").fill("groundwater")
    page.get_by_role("button", name="Filter").click()

    results = page.locator("li.member")
    expect(results.first).to_contain_text("Ben Osei")
    expect(results.first).to_contain_text("1 accepted answer on #groundwater")
    expect(results.nth(1)).to_contain_text("declares #groundwater")
    assert fits_the_screen(page)
    # The other filters fold away on the phone, and open on a tap (no JavaScript needed).
    expect(page.get_by_label("Organisation")).to_be_hidden()
    page.get_by_text("More filters").click()
    expect(page.get_by_label("Organisation")).to_be_visible()

    results.first.get_by_role("link", name="Ben Osei").click()
    expect(page.get_by_role("heading", name="Ask Ben Osei a question")).to_be_visible()
    page.get_by_role("link", name="In Water Security").click()
    expect(page.get_by_label("Your post")).to_have_value("@ben ")
    expect(page.get_by_role("radio", name="Question")).to_be_checked()
    page.get_by_label("Title").fill("How deep should a borehole go in basement rock?")
    page.get_by_label("Your post").press_sequentially("what yields have you seen?")
    page.get_by_role("button", name=re.compile("Start the thread")).click()

    expect(page.get_by_role("heading", level=1)).to_contain_text("How deep should a borehole go")
    asked = Thread.objects.get(title__startswith="How deep")
    assert asked.is_question
    assert Notification.objects.filter(recipient=ben, kind="mention").exists()
    console_errors.assert_none()
