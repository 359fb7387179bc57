"""Live updates in a real browser, two people at once: Amara has her thread open when Bruno
replies; without a reload her page says "1 new reply — show it" and her notification badge
shows 1; the link takes her to the reply. The page polls with a 1-second interval here
(LIVE_POLL_SECONDS); without JavaScript the thread page is as before, with no banner."""

import re

import pytest
from playwright.sync_api import expect

from discussions.models import Post
from tests.communities.factories import CommunityFactory, MembershipFactory
from tests.discussions.factories import make_thread
from tests.members.factories import UserFactory

from .conftest import PHONE
from .test_discussion_journey import unread_badge
from .test_onboarding_journey import sign_in

pytestmark = pytest.mark.browser

REPLY = "We keep a spare impeller at every kiosk; it halved the downtime."


@pytest.mark.parametrize("viewport", [None, PHONE], ids=["desktop", "phone"])
def test_a_reply_appears_on_an_open_thread_without_a_reload(new_page, console_errors, settings, viewport):
    settings.LIVE_POLL_SECONDS = 1
    community = CommunityFactory(name="Rural Water Supply", slug="rural-water")
    amara = MembershipFactory(community=community, user=UserFactory(username="amara", display_name="Amara Okafor")).user
    bruno = MembershipFactory(community=community, user=UserFactory(username="bruno", display_name="Bruno Silva")).user
    thread = make_thread(community=community, author=amara, title="Kiosk pumps keep failing")

    amara_page = new_page(viewport=viewport)
    sign_in(amara_page, email=amara.email)
    amara_page.goto(thread.get_absolute_url())
    amara_page.evaluate("window.sameDocument = true")
    expect(unread_badge(amara_page)).to_have_count(0)
    banner = amara_page.get_by_role("status").filter(has_text="new repl")
    expect(banner).to_have_count(0)

    bruno_page = new_page()
    sign_in(bruno_page, email=bruno.email)
    bruno_page.goto(thread.get_absolute_url())
    bruno_page.locator("#reply").get_by_label(re.compile(r"^Your reply")).fill(REPLY)
    bruno_page.locator("#reply").get_by_role("button", name="Post reply").click()
    expect(bruno_page.get_by_text("Your reply is posted.")).to_be_visible()
    reply = Post.objects.get(thread=thread, author=bruno)

    # Within a few seconds, on the page Amara never reloaded.
    link = amara_page.get_by_role("link", name="1 new reply — show it")
    expect(link).to_be_visible(timeout=6_000)
    expect(unread_badge(amara_page)).to_have_text("1", timeout=6_000)
    expect(unread_badge(amara_page)).to_have_attribute("aria-label", "1 unread")
    assert amara_page.evaluate("window.sameDocument === true"), "the page was reloaded"
    # Bruno's own reply is no news to him.
    expect(bruno_page.get_by_role("link", name=re.compile(r"new repl"))).to_have_count(0)

    link.click()
    expect(amara_page).to_have_url(re.compile(rf"#post-{reply.pk}$"))
    expect(amara_page.locator(f"#post-{reply.pk}")).to_contain_text(REPLY)
    expect(amara_page.get_by_role("link", name=re.compile(r"new repl"))).to_have_count(0)
    console_errors.assert_none()


def test_without_javascript_the_thread_page_is_unchanged(browser, live_server, settings):
    settings.LIVE_POLL_SECONDS = 1
    community = CommunityFactory(name="Rural Water Supply", slug="rural-water")
    amara = MembershipFactory(community=community, user=UserFactory(username="amara")).user
    thread = make_thread(community=community, author=amara, title="Kiosk pumps keep failing")
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    page = context.new_page()
    page.goto(thread.get_absolute_url())
    expect(page.get_by_role("heading", level=1)).to_have_text("Kiosk pumps keep failing")
    expect(page.locator(".live-replies")).to_be_hidden()
    context.close()
