"""axe-core finds no violations on the key pages a coordinator uses, at desktop and phone width.

The pages hold real content (a thread with a reply, a practice, a file, a notification, a
search with results) so the rules check what members see, not empty shells.
"""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from discussions.services.drafts import draft_save
from discussions.services.polls import PollSpec, poll_create, poll_vote
from tests.communities.factories import CommunityFactory, MembershipFactory, coordinator_of
from tests.discussions.factories import make_reply, make_thread
from tests.members.factories import UserFactory
from tests.resources.factories import make_file_resource, make_practice

from .axe import axe_violations, describe
from .conftest import DESKTOP, PHONE
from .test_onboarding_journey import sign_in

pytestmark = pytest.mark.browser


# Every list a coordinator has in /manage/: Django's admin styles are not ours, and the issue
# found target-size, link-in-text-block and empty-table-header failures on them.
MANAGE_CHANGELISTS = [
    "communities/community",
    "communities/membership",
    "communities/invitation",
    "communities/auditentry",
    "members/emaildelivery",
    "discussions/thread",
    "discussions/post",
    "discussions/flag",
    "discussions/poll",
    "resources/resource",
    "resources/resourceversion",
]


def key_pages():
    community = CommunityFactory(name="Rural Water Supply", slug="rural-water")
    # An empty profile: the home page then shows the "complete your profile" prompt too.
    cora = coordinator_of(community, user=UserFactory(username="cora", display_name="Cora Mensah", headline=""))
    amara = MembershipFactory(community=community, user=UserFactory(username="amara", display_name="Amara Okafor")).user
    thread = make_thread(
        community=community,
        author=amara,
        title="Handpump spare parts",
        body="Where do you buy **spare parts**?\n\n| Part | Price |\n|---|---|\n| Seal | 4 |",
        kind="question",
    )
    make_reply(thread=thread, author=cora, body="From the district store, @amara.")
    make_reply(thread=thread, author=amara, body="Thanks @cora, we will try that.")
    # The thread page with a poll she voted in (results shown), and her list of drafts.
    poll = poll_create(
        actor=amara, thread=thread, spec=PollSpec(question="Which part fails first?", options=["Seal", "Rod"])
    )
    poll_vote(actor=cora, poll=poll, option_ids=[poll.options.first().pk])
    draft_save(actor=cora, community=community, thread=thread, body="Half-written answer about seals")
    practice = make_practice(community=community, author=cora)
    make_file_resource(community=community, author=amara)
    return cora, [
        "/",
        reverse("communities:directory"),
        community.get_absolute_url(),
        thread.get_absolute_url(),
        reverse("discussions:new", kwargs={"community_slug": community.slug}),
        reverse("resources:library", kwargs={"community_slug": community.slug}),
        practice.get_absolute_url(),
        reverse("members:directory"),
        reverse("members:profile", kwargs={"username": "amara"}),
        reverse("members:settings"),
        reverse("members:notifications"),
        reverse("discussions:drafts"),
        reverse("members:data_export"),
        "/privacy/",
        "/help/shortcuts/",
        "/search/?q=spare+parts",
        "/search/?q=nothing-matches-this",
        "/manage/",
        *(f"/manage/{changelist}/" for changelist in MANAGE_CHANGELISTS),
    ]


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_key_pages_have_no_axe_violations(new_page, console_errors, viewport):
    cora, paths = key_pages()
    page = new_page(viewport=viewport)
    sign_in(page, email=cora.email)
    found = {}
    for path in paths:
        page.goto(path)
        expect(page.locator("h1").first).to_be_visible()
        if path == "/":
            expect(page.get_by_role("heading", name="Complete your profile")).to_be_visible()
        violations = axe_violations(page)
        print(f"{viewport['width']}px {path}: {len(violations)} violations")
        if violations:
            found[path] = describe(violations)
    assert not found, "axe-core violations:\n" + "\n".join(f"{path}\n{text}" for path, text in found.items())
    console_errors.assert_none()


def contrast(first: str, second: str) -> float:
    """WCAG contrast ratio of two computed CSS colours ("rgb(31, 111, 92)")."""

    def luminance(css: str) -> float:
        channels = [int(value) / 255 for value in re.findall(r"\d+", css)[:3]]
        linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    lighter, darker = sorted((luminance(first), luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def focused(page) -> str:
    return page.evaluate("document.activeElement.id || document.activeElement.tagName")


def test_joining_by_keyboard_announces_the_welcome_and_both_member_counts_agree(new_page, console_errors):
    community = CommunityFactory(name="Open Water Practice", slug="open-water", join_policy="open")
    coordinator_of(community)
    nadia = UserFactory(username="nadia", display_name="Nadia Haddad")
    page = new_page()
    sign_in(page, email=nadia.email)
    page.goto(community.get_absolute_url())
    expect(page.locator("#charter-member-count")).to_have_text("1")

    page.get_by_role("button", name="Join", exact=True).focus()
    page.keyboard.press("Enter")

    welcome = page.locator("#membership-status .message")
    expect(welcome).to_have_text("Welcome to Open Water Practice! You are now a member.")
    expect(welcome).to_be_focused()
    expect(page.locator("#membership-status")).to_contain_text("2 members")
    expect(page.locator("#charter-member-count")).to_have_text("2")
    expect(page.locator("#members-link-count")).to_have_text("2 members")
    console_errors.assert_none()


def test_after_a_redirect_the_message_takes_focus_and_the_focus_ring_stands_out(new_page, console_errors):
    member = UserFactory(username="amara", display_name="Amara Okafor")
    page = new_page()
    sign_in(page, email=member.email)
    page.goto(reverse("members:settings"))
    page.get_by_role("button", name=re.compile(r"^Save")).first.focus()
    page.keyboard.press("Enter")

    expect(page.locator("#messages")).to_contain_text("Your profile has been saved.")
    expect(page.locator("#messages")).to_be_focused()

    # The ring around a focused link against the page it sits on (WCAG 1.4.11 asks 3:1).
    link = page.locator("main a").first
    link.focus()
    ring = link.evaluate("element => getComputedStyle(element).outlineColor")
    print(f"focus ring {ring}: {contrast(ring, 'rgb(255, 255, 255)'):.1f}:1 on white")
    assert contrast(ring, "rgb(255, 255, 255)") >= 3
    assert contrast(ring, "rgb(246, 247, 249)") >= 3  # the page background
    console_errors.assert_none()


def test_a_form_sent_back_with_errors_focuses_the_first_field_to_fix(new_page, console_errors):
    member = UserFactory(username="amara", display_name="Amara Okafor")
    page = new_page()
    sign_in(page, email=member.email)
    page.goto(reverse("members:settings_notifications"))
    page.locator("input[name=digest_frequency][value=off]").check()  # no digest ...
    page.locator("input[name=replies][value=digest]").check()  # ... yet replies go to it
    page.get_by_role("button", name="Save email preferences").click()

    expect(page.locator(".field.has-error").first).to_be_visible()
    assert page.evaluate("document.activeElement.name") == "replies"
    # The form answers 400 with its errors, which Chromium logs; anything else is a fault.
    assert all("status of 400" in entry for entry in console_errors.entries), console_errors.entries


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_visitor_pages_sign_up_and_404_have_no_axe_violations(new_page, console_errors, viewport):
    page = new_page(viewport=viewport)
    found = {}
    for path in (reverse("account_signup"), "/no-such-page/"):
        page.goto(path)
        expect(page.locator("h1").first).to_be_visible()
        if violations := axe_violations(page):
            found[path] = describe(violations)
    assert not found, "axe-core violations:\n" + "\n".join(f"{path}\n{text}" for path, text in found.items())
    expect(page.get_by_role("heading", level=1)).to_have_text("Page not found")
    # The 404 status itself is logged by Chromium; anything else is a fault.
    assert all("status of 404" in entry for entry in console_errors.entries), console_errors.entries
