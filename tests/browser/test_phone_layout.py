"""On a phone the page's own content comes first: the community name and the thread's question
are in view without scrolling past the sidebar or a tall header (issue 13 measured the <h1>
615 px down)."""

import pytest
from playwright.sync_api import expect

from tests.communities.factories import CommunityFactory, MembershipFactory, coordinator_of
from tests.discussions.factories import make_reply, make_thread
from tests.members.factories import UserFactory

from .conftest import PHONE
from .test_onboarding_journey import sign_in

pytestmark = pytest.mark.browser

# The top of the <h1> on a 390x844 phone, below the header and any message.
H1_TOP_LIMIT = 250
# The site header on a phone: 178px when it wrapped brand, search and links on four rows (83px with
# the links folded behind "Menu").
HEADER_LIMIT = 130


def h1_top(page) -> float:
    return page.locator("h1").bounding_box()["y"]


def test_community_and_thread_headings_come_first_on_a_phone(new_page, console_errors):
    community = CommunityFactory(name="Rural Water Supply", slug="rural-water")
    coordinator_of(community, user=UserFactory(username="cora", display_name="Cora Mensah"))
    amara = MembershipFactory(community=community, user=UserFactory(username="amara", display_name="Amara Okafor")).user
    thread = make_thread(community=community, author=amara, title="Handpump spare parts", kind="question")
    make_reply(thread=thread, author=amara, body="Any supplier near Tamale?")

    phone = new_page(viewport=PHONE)
    sign_in(phone, email=amara.email)
    header = phone.locator(".site-header").bounding_box()["height"]
    print(f"header height={header:.0f}px (limit {HEADER_LIMIT})")
    assert header <= HEADER_LIMIT
    for path in (community.get_absolute_url(), thread.get_absolute_url()):
        phone.goto(path)
        top = h1_top(phone)
        print(f"{path}: h1 top={top:.0f}px (limit {H1_TOP_LIMIT})")
        assert top < H1_TOP_LIMIT, f"the <h1> of {path} is {top:.0f}px down on a phone"
        main = phone.locator("main")
        aside_top = main.locator("aside").first.bounding_box()["y"]
        assert aside_top > top, "the sidebar comes before the page's heading"
    console_errors.assert_none()


def test_the_header_links_fold_behind_a_menu_on_a_phone_and_show_without_javascript(new_page, browser, live_server):
    member = UserFactory(username="amara", display_name="Amara Okafor")

    phone = new_page(viewport=PHONE)
    sign_in(phone, email=member.email)
    navigation = phone.get_by_role("navigation", name="Main")
    settings_link = navigation.get_by_role("link", name="Settings")
    menu = navigation.get_by_role("button", name="Menu")
    expect(settings_link).to_be_hidden()
    expect(navigation.get_by_role("link", name="Notifications")).to_be_visible()  # stays in view
    menu.click()
    expect(menu).to_have_attribute("aria-expanded", "true")
    expect(settings_link).to_be_visible()
    phone.keyboard.press("Escape")
    expect(settings_link).to_be_hidden()
    expect(menu).to_be_focused()

    desktop = new_page()
    sign_in(desktop, email=member.email)
    expect(desktop.get_by_role("button", name="Menu")).to_be_hidden()
    expect(desktop.get_by_role("navigation", name="Main").get_by_role("link", name="Settings")).to_be_visible()

    no_script = browser.new_context(viewport=PHONE, java_script_enabled=False, base_url=live_server.url)
    try:
        page = no_script.new_page()
        page.goto("/")
        navigation = page.get_by_role("navigation", name="Main")
        expect(navigation.get_by_role("button", name="Menu")).to_be_hidden()
        expect(navigation.get_by_role("link", name="Sign in")).to_be_visible()
    finally:
        no_script.close()
