"""Whole journeys in a real browser: a newcomer signs up, verifies their email, joins an open
community, asks to join one that needs approval, and a coordinator approves them in /manage/.
Plus the same pages at phone width."""

import re
from urllib.parse import urlsplit

import pytest
from django.core import mail
from playwright.sync_api import expect

from communities.models import Membership
from tests.communities.factories import CommunityFactory, coordinator_of
from tests.members.factories import UserFactory

from .conftest import PHONE

pytestmark = pytest.mark.browser

PASSWORD = "correct horse battery staple"
CONFIRMATION_LINK = re.compile(r"https?://[^\s\"'<>]+/accounts/confirm-email/[^/\s\"'<>]+/")


def sign_in(page, *, email, password=PASSWORD):
    page.goto("/accounts/login/")
    page.get_by_label(re.compile(r"^Email", re.I)).fill(email)
    page.get_by_label(re.compile(r"^Password\W*$", re.I)).fill(password)
    page.get_by_role("button", name=re.compile(r"^Sign in$", re.I)).click()
    # Attached, not visible: on a phone the header's links fold behind "Menu".
    expect(page.get_by_role("button", name="Sign out", include_hidden=True)).to_be_attached()


def open_community_from_directory(page, name):
    page.goto("/communities/")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    page.get_by_role("link", name=name).first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(name)


def fits_the_screen(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def emails_to(address):
    return [message for message in mail.outbox if address in message.to]


def test_newcomer_signs_up_verifies_joins_and_is_approved_by_a_coordinator(new_page, console_errors):
    open_water = CommunityFactory(name="Open Water Practice", slug="open-water", join_policy="open")
    coordinator_of(open_water)
    circle = CommunityFactory(name="Sanitation Circle", slug="sanitation-circle", join_policy="approval")
    cora = coordinator_of(circle, user=UserFactory(username="cora"))

    # A visitor signs up and is asked to verify their email.
    newcomer = new_page()
    newcomer.goto("/accounts/signup/")
    newcomer.get_by_label(re.compile(r"^Email", re.I)).fill("nadia@example.org")
    newcomer.get_by_label(re.compile(r"^Username", re.I)).fill("nadia")
    newcomer.get_by_label(re.compile(r"^Password\W*$", re.I)).fill("rivers run to the sea 42")
    newcomer.get_by_label(re.compile(r"^Password \(again\)", re.I)).fill("rivers run to the sea 42")
    newcomer.get_by_role("button", name=re.compile(r"^Sign up$", re.I)).click()
    expect(newcomer.get_by_role("heading", level=1)).to_contain_text(re.compile(r"verify", re.I))

    # The link in the verification email leads to a confirm button, which signs them in.
    (verification,) = emails_to("nadia@example.org")
    link = CONFIRMATION_LINK.search(verification.body)
    assert link, f"no confirmation link in the email:\n{verification.body}"
    newcomer.goto(urlsplit(link.group(0)).path)
    newcomer.get_by_role("button", name=re.compile(r"^Confirm$", re.I)).click()
    expect(newcomer.get_by_role("button", name="Sign out", include_hidden=True)).to_be_attached()

    # An open community: one click and they are in.
    open_community_from_directory(newcomer, "Open Water Practice")
    newcomer.get_by_role("button", name=re.compile(r"^Join", re.I)).click()
    expect(newcomer.get_by_role("button", name=re.compile(r"^Leave", re.I))).to_be_visible()

    # A community that needs approval: they ask, with a word for the coordinators.
    open_community_from_directory(newcomer, "Sanitation Circle")
    newcomer.get_by_label(re.compile(r"message", re.I)).fill("I run latrine programmes in Kisumu.")
    newcomer.get_by_role("button", name=re.compile(r"join", re.I)).click()
    expect(newcomer.get_by_text(re.compile(r"pending", re.I)).first).to_be_visible()
    expect(newcomer.get_by_role("button", name=re.compile(r"^Leave", re.I))).to_have_count(0)

    # The coordinator signs in elsewhere and approves the request in /manage/.
    coordinator = new_page()
    sign_in(coordinator, email=cora.email)
    coordinator.goto("/manage/")
    coordinator.get_by_role("link", name=re.compile(r"^Memberships$", re.I)).first.click()
    request_row = coordinator.locator("#result_list tbody tr").filter(has_text="nadia")
    expect(request_row).to_have_count(1)
    expect(request_row).to_contain_text("Sanitation Circle")
    request_row.get_by_role("checkbox").check()
    actions = coordinator.locator("select[name=action]")
    approve = actions.locator("option").filter(has_text=re.compile(r"approve", re.I)).first.get_attribute("value")
    actions.select_option(approve)
    coordinator.get_by_role("button", name="Go").click()
    expect(coordinator.locator(".messagelist")).to_contain_text(re.compile(r"approved", re.I))
    assert Membership.objects.get(user__username="nadia", community=circle).state == "active"

    # Back on the newcomer's screen: they are a member now, and were told by email.
    newcomer.goto("/c/sanitation-circle/")
    expect(newcomer.get_by_role("button", name=re.compile(r"^Leave", re.I))).to_be_visible()
    expect(newcomer.get_by_text(re.compile(r"pending", re.I))).to_have_count(0)
    approvals = [message for message in emails_to("nadia@example.org") if "Sanitation Circle" in message.subject]
    assert len(approvals) == 1, [message.subject for message in mail.outbox]

    console_errors.assert_none()


def test_directory_and_community_page_fit_a_phone_and_the_navigation_works(new_page, console_errors):
    community = CommunityFactory(
        name="Urban Resilience and Climate Adaptation Practitioners",
        slug="urban-resilience",
        tagline="Cities learning from each other about floods, heat and drought",
        mandate="Document **what works** when cities adapt: " + "retrofits, early warning, green roofs. " * 20,
        tags=["flooding", "heat-waves", "early-warning-systems", "nature-based-solutions"],
    )
    coordinator_of(community, user=UserFactory(username="coordinator-with-a-long-name"))
    for number in range(3):
        coordinator_of(CommunityFactory(name=f"Practice Group {number}"))
    member = UserFactory(username="maximiliana", display_name="Maximiliana Oyelaran-Fitzgerald")

    phone = new_page(viewport=PHONE)
    phone.goto("/communities/")
    assert fits_the_screen(phone), "the directory scrolls sideways on a phone"

    sign_in(phone, email=member.email)
    open_community_from_directory(phone, community.name)
    assert fits_the_screen(phone), "the community page scrolls sideways on a phone"

    navigation = phone.get_by_role("navigation", name="Main")
    menu = navigation.get_by_role("button", name="Menu")
    expect(menu).to_have_attribute("aria-expanded", "false")
    menu.click()
    expect(menu).to_have_attribute("aria-expanded", "true")
    links = navigation.get_by_role("link").all()
    assert links
    for link in links:
        expect(link).to_be_visible()
        box = link.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], f"{link.inner_text()} is off screen"
        assert box["height"] >= 24, f"{link.inner_text()} is too small to tap ({box['height']}px)"
    navigation.get_by_role("link", name="Communities", exact=True).click()
    expect(phone).to_have_url(re.compile(r"/communities/$"))
    assert fits_the_screen(phone)

    console_errors.assert_none()
