"""The composer in a real browser: a reply typed and reloaded comes back (autosaved as a
draft), posting it clears the draft from "Your drafts", and "@kw" offers Kwame by name so that
ArrowDown and Enter insert "@kwame-mensah ", which links and notifies him. Without JavaScript
"Save draft" keeps the text and the list can discard it. At desktop and phone width."""

import os
import re
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from discussions.models import Draft, Post
from members.models import Notification
from tests.communities.factories import CommunityFactory, MembershipFactory, coordinator_of
from tests.discussions.factories import make_reply, make_thread
from tests.members.factories import UserFactory

from .conftest import DESKTOP, PHONE
from .test_onboarding_journey import sign_in

pytestmark = pytest.mark.browser

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
TYPED = "Our caretakers keep a stock of seals and"


@pytest.fixture
def thread(db):
    community = CommunityFactory(name="Rural Water Supply", slug="rural-water", visibility="private")
    cora = coordinator_of(community, user=UserFactory(username="cora", display_name="Cora Mensah"))
    MembershipFactory(community=community, user=UserFactory(username="amara", display_name="Amara Okafor"))
    MembershipFactory(community=community, user=UserFactory(username="kwame-mensah", display_name="Kwame Mensah"))
    # Someone who matches "@kw" but cannot read this private community: never offered.
    UserFactory(username="kwesi", display_name="Kwesi Outsider")
    return make_thread(community=community, author=cora, title="Spare parts for handpumps", body="Where from?")


def assert_accessible(page):
    """axe-core finds nothing on the page as it is now (the suggestions open, say)."""
    results = Axe().run(page)
    assert results.violations_count == 0, results.generate_report()


def reply_box(page):
    return page.locator("#reply").get_by_label(re.compile(r"^Your reply"))


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_a_reply_survives_a_reload_and_a_picked_mention_links_and_notifies(new_page, console_errors, thread, viewport):
    page = new_page(viewport=viewport)
    sign_in(page, email=thread.community.memberships.get(user__username="amara").user.email)
    page.goto(thread.get_absolute_url())

    # She types, pauses, and the composer says the draft is kept.
    reply_box(page).press_sequentially(TYPED)
    expect(page.locator("#reply [data-draft-status]")).to_have_text(re.compile(r"^Draft saved at \d\d:\d\d\.$"))

    # A reload (or a closed tab) gives the text back.
    page.reload()
    expect(reply_box(page)).to_have_value(TYPED)
    expect(page.locator("#reply [data-draft-status]")).to_contain_text("Your draft is back")
    if viewport is DESKTOP and os.environ.get("TAKE_SCREENSHOTS"):  # README: docs/screenshots/drafts.png
        page.goto("/drafts/")
        page.screenshot(path=str(SCREENSHOTS / "drafts.png"))
        page.goto(thread.get_absolute_url())

    # "@kw" offers the members who can read the thread, by name and username.
    reply_box(page).press("Control+End")  # the end of the text, not of a wrapped line
    reply_box(page).press_sequentially(" ask @kw")
    options = page.locator("#reply").get_by_role("option")
    expect(options).to_have_count(1)
    expect(options.first).to_have_text("Kwame Mensah @kwame-mensah")
    assert_accessible(page)
    if viewport is DESKTOP and os.environ.get("TAKE_SCREENSHOTS"):
        page.locator("#reply").screenshot(path=str(SCREENSHOTS / "mentions.png"))
    reply_box(page).press("ArrowDown")
    expect(options.first).to_have_attribute("aria-selected", "true")
    expect(reply_box(page)).to_have_attribute("aria-activedescendant", options.first.get_attribute("id"))
    reply_box(page).press("Enter")
    expect(reply_box(page)).to_have_value(f"{TYPED} ask @kwame-mensah ")
    expect(page.locator("#reply").get_by_role("listbox")).to_be_hidden()

    # Posting it: the mention links to Kwame's profile, he is notified, the draft is gone.
    reply_box(page).press_sequentially("for spares.")
    page.locator("#reply").get_by_role("button", name="Post reply").click()
    expect(page.get_by_text("Your reply is posted.")).to_be_visible()
    post = Post.objects.get(thread=thread, author__username="amara")
    mention = page.locator(f"#post-{post.pk}").get_by_role("link", name="@kwame-mensah")
    expect(mention).to_have_attribute("href", "/members/kwame-mensah/")
    assert Notification.objects.filter(recipient__username="kwame-mensah", kind="mention").count() == 1
    page.goto("/drafts/")
    expect(page.get_by_text("No drafts.")).to_be_visible()
    assert not Draft.objects.exists()
    assert_accessible(page)
    console_errors.assert_none()


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_without_javascript_save_draft_keeps_the_text_and_the_list_discards_it(browser, live_server, thread, viewport):
    context = browser.new_context(base_url=live_server.url, viewport=viewport, java_script_enabled=False)
    try:
        page = context.new_page()
        sign_in(page, email=thread.community.memberships.get(user__username="amara").user.email)
        page.goto(thread.get_absolute_url())
        reply_box(page).fill("Typed without JavaScript")
        page.locator("#reply").get_by_role("button", name="Save draft").click()

        expect(page.get_by_text("Draft saved.")).to_be_visible()
        expect(reply_box(page)).to_have_value("Typed without JavaScript")

        page.goto("/drafts/")
        expect(page.get_by_role("heading", level=1)).to_have_text("Your drafts")
        expect(page.get_by_text("Typed without JavaScript")).to_be_visible()
        page.get_by_role("link", name="Open").click()
        expect(reply_box(page)).to_have_value("Typed without JavaScript")
        page.goto("/drafts/")
        page.get_by_role("button", name=re.compile(r"^Discard")).click()
        expect(page.get_by_text("No drafts.")).to_be_visible()
    finally:
        context.close()


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_a_new_thread_and_a_reply_to_a_post_come_back_after_a_reload(new_page, console_errors, thread, viewport):
    page = new_page(viewport=viewport)
    sign_in(page, email=thread.community.memberships.get(user__username="amara").user.email)

    # A new thread: its title and text are kept, and "@co" offers the coordinator there too.
    page.goto(f"/c/{thread.community.slug}/discussions/new/")
    page.get_by_label(re.compile(r"^Title")).fill("Seal sizes for India Mark II")
    body = page.get_by_label(re.compile(r"^Your post"))
    body.press_sequentially("Which seals fit? @co")
    expect(page.get_by_role("option")).to_have_text(["Cora Mensah @cora"])
    body.press("Escape")
    expect(page.get_by_role("listbox")).to_be_hidden()
    expect(page.locator("[data-draft-status]")).to_have_text(re.compile(r"^Draft saved at "))
    page.reload()
    expect(page.get_by_label(re.compile(r"^Title"))).to_have_value("Seal sizes for India Mark II")
    expect(page.get_by_label(re.compile(r"^Your post"))).to_have_value("Which seals fit? @co")

    # A reply to the opening post's first reply, in that post's own box.
    post = make_reply(thread=thread, author=thread.author, body="Ask the district store.")
    page.goto(thread.get_absolute_url())
    box = page.locator(f"#post-{post.pk}")
    box.get_by_role("link", name="Reply", exact=True).click()
    expect(box.get_by_label("Reply to Cora Mensah")).to_be_focused()  # the one reply form, moved here
    box.get_by_label("Reply to Cora Mensah").press_sequentially("They had none in May.")
    expect(box.locator("[data-draft-status]")).to_have_text(re.compile(r"^Draft saved at "))
    page.reload()
    expect(box.get_by_label("Reply to Cora Mensah")).to_be_visible()  # the box opens by itself
    expect(box.get_by_label("Reply to Cora Mensah")).to_have_value("They had none in May.")
    assert_accessible(page)
    page.goto("/drafts/")
    expect(page.get_by_role("link", name="Open")).to_have_count(2)
    assert_accessible(page)
    assert Draft.objects.count() == 2
    console_errors.assert_none()
