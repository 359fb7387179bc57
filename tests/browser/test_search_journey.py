"""Search in a real browser: a visitor on a phone searches from the nav and finds a reply
(under its thread) and the community it lives in; a member starting a thread sees similar
questions appear under the title as they type, and never one from a community they cannot
read."""

import re

import pytest
from playwright.sync_api import expect

from tests.communities.factories import CommunityFactory, MembershipFactory
from tests.discussions.factories import make_reply, make_thread
from tests.members.factories import UserFactory

from .conftest import PHONE
from .test_onboarding_journey import fits_the_screen, sign_in

pytestmark = pytest.mark.browser


def test_a_visitor_finds_a_reply_and_its_community(new_page, console_errors):
    community = CommunityFactory(name="Rural Water Supply", slug="rural-water", tagline="Handpumps that keep working")
    amara = MembershipFactory(community=community, user=UserFactory(username="amara")).user
    thread = make_thread(community=community, author=amara, title="Keeping handpumps working after handover")
    make_reply(thread=thread, author=amara, body="We pay a local caretaker a small retainer from the tariff.")
    secret = CommunityFactory(name="Donor coordination", slug="donors", visibility="private")
    insider = MembershipFactory(community=secret, user=UserFactory(username="ines")).user
    make_thread(community=secret, author=insider, title="Caretaker retainer budgets (confidential)")

    page = new_page(viewport=PHONE)
    page.goto("/")
    page.get_by_role("searchbox", name="Search").fill("caretaker retainer")
    page.get_by_role("searchbox", name="Search").press("Enter")
    expect(page).to_have_title(re.compile(r"^Search: caretaker retainer"))
    results = page.locator(".search-results")
    hit = results.locator(".search-hit").first
    expect(hit).to_contain_text("Reply")
    expect(hit.get_by_role("link", name="Keeping handpumps working after handover")).to_be_visible()
    expect(hit.locator("mark").first).to_have_text(re.compile("caretaker", re.I))
    expect(results).not_to_contain_text("confidential")
    assert fits_the_screen(page)

    # The hit names its community; following it leads there.
    hit.get_by_role("link", name="Rural Water Supply").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Rural Water Supply")

    # The community itself is found too, and searching from its page stays inside it.
    page.get_by_role("searchbox", name="Search in Rural Water Supply").fill("handpumps")
    page.get_by_role("searchbox", name="Search in Rural Water Supply").press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Search in Rural Water Supply")
    expect(page.locator(".search-hit").filter(has_text="Community")).to_contain_text("Rural Water Supply")
    console_errors.assert_none()


def test_similar_questions_appear_while_typing_a_title(new_page, console_errors):
    community = CommunityFactory(name="Rural Water Supply", slug="rural-water")
    amara = MembershipFactory(community=community, user=UserFactory(username="amara")).user
    make_thread(community=community, author=amara, title="Chlorine dosing for gravity schemes", kind="question")
    secret = CommunityFactory(name="Donor coordination", slug="donors", visibility="private")
    insider = MembershipFactory(community=secret, user=UserFactory(username="ines")).user
    make_thread(community=secret, author=insider, title="Chlorine dosing contracts (confidential)")

    page = new_page()
    sign_in(page, email=amara.email)
    page.goto("/c/rural-water/discussions/new/")
    hint = page.locator("#similar-threads")
    expect(hint).to_be_empty()
    page.get_by_label(re.compile(r"^Title")).press_sequentially("What chlorine dose for a gravity scheme?")
    expect(hint).to_contain_text("Has this been asked before?")
    expect(hint.get_by_role("link", name=re.compile("Chlorine dosing for gravity schemes"))).to_be_visible()
    expect(hint).not_to_contain_text("confidential")
    console_errors.assert_none()
