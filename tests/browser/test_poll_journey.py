"""A poll in a real browser: a member starts a thread with a poll, another votes on a phone
(htmx swaps the poll in place, no reload), a third votes, changes and withdraws without
JavaScript (plain form posts), a visitor sees the question and how to take part but no
results, and once the author closes the poll everyone sees the results."""

import re

import pytest
from playwright.sync_api import expect

from discussions.models import Poll, PollVote, Thread
from tests.communities.factories import CommunityFactory, MembershipFactory
from tests.members.factories import UserFactory

from .conftest import DESKTOP, PHONE
from .test_onboarding_journey import sign_in

pytestmark = pytest.mark.browser

TITLE = "How do you fund handpump repairs?"
QUESTION = "Which funding model works best for you?"


def poll_section(page):
    return page.locator("#poll")


def test_members_vote_in_a_thread_poll_with_and_without_javascript(new_page, browser, live_server, console_errors):
    community = CommunityFactory(name="Rural Water Supply", slug="rural-water")
    amara = MembershipFactory(community=community, user=UserFactory(username="amara", display_name="Amara")).user
    bruno = MembershipFactory(community=community, user=UserFactory(username="bruno", display_name="Bruno")).user
    chen = MembershipFactory(community=community, user=UserFactory(username="chen", display_name="Chen")).user

    # Amara starts a thread and, in the folded "Add a poll" part of the form, asks a question.
    amara_page = new_page()
    sign_in(amara_page, email=amara.email)
    amara_page.goto("/c/rural-water/discussions/new/")
    amara_page.get_by_label(re.compile(r"^Title")).fill(TITLE)
    amara_page.get_by_label(re.compile(r"^Your post")).fill("Our committees stop collecting fees. What works?")
    amara_page.locator("summary", has_text="Add a poll").click()
    amara_page.get_by_label(re.compile(r"^Poll question")).fill(QUESTION)
    amara_page.get_by_label(re.compile(r"^Poll options")).fill("Caretaker retainer\nPay per use\nAnnual levy")
    amara_page.get_by_label("After voting").check()
    amara_page.get_by_role("button", name="Start the thread").click()
    expect(amara_page.get_by_role("heading", level=1)).to_have_text(TITLE)
    poll = Poll.objects.get(thread__title=TITLE)
    thread_url = Thread.objects.get(title=TITLE).get_absolute_url()
    expect(poll_section(amara_page).get_by_role("heading", level=2)).to_contain_text(QUESTION)
    expect(poll_section(amara_page)).to_contain_text("Vote to see the results.")

    # Bruno votes on his phone: htmx swaps the poll in place (the page is not reloaded).
    bruno_page = new_page(viewport=PHONE)
    sign_in(bruno_page, email=bruno.email)
    bruno_page.goto(thread_url)
    bruno_page.evaluate("window.pollJourneyMarker = 'still here'")
    poll_section(bruno_page).get_by_label("Pay per use").check()
    poll_section(bruno_page).get_by_role("button", name="Vote").click()
    expect(poll_section(bruno_page).get_by_role("status")).to_have_text("Your vote is saved.")
    expect(poll_section(bruno_page)).to_contain_text("1 vote (100%)")
    assert bruno_page.evaluate("window.pollJourneyMarker") == "still here"
    bar = poll_section(bruno_page).locator("meter").first.bounding_box()
    assert bar["x"] + bar["width"] <= PHONE["width"], "the results bar overflows a phone screen"
    # The keyboard user's focus stays on the button they pressed, now "Change my vote".
    expect(poll_section(bruno_page).get_by_role("button", name="Change my vote")).to_be_focused()

    # Chen has JavaScript off: plain form posts, each answered by a redirect back to the poll.
    context = browser.new_context(base_url=live_server.url, viewport=DESKTOP, java_script_enabled=False)
    chen_page = context.new_page()
    console_errors.watch(chen_page)
    sign_in(chen_page, email=chen.email)
    chen_page.goto(thread_url)
    expect(poll_section(chen_page)).not_to_contain_text("1 vote (100%)")  # no results before voting
    poll_section(chen_page).get_by_label("Caretaker retainer").check()
    poll_section(chen_page).get_by_role("button", name="Vote").click()
    expect(chen_page).to_have_url(re.compile(re.escape(thread_url) + "#poll$"))
    expect(chen_page.get_by_text("Your vote is saved.")).to_be_visible()
    expect(poll_section(chen_page)).to_contain_text("1 vote (50%)")
    poll_section(chen_page).get_by_label("Pay per use").check()
    poll_section(chen_page).get_by_role("button", name="Change my vote").click()
    expect(poll_section(chen_page)).to_contain_text("2 votes (100%)")
    poll_section(chen_page).get_by_role("button", name="Withdraw my vote").click()
    expect(chen_page.get_by_text("Your vote is withdrawn.")).to_be_visible()
    expect(poll_section(chen_page)).to_contain_text("Vote to see the results.")
    assert PollVote.objects.filter(option__poll=poll).count() == 1

    # A visitor sees the question and how to take part, but not the counts.
    visitor = new_page(viewport=PHONE)
    visitor.goto(thread_url)
    expect(poll_section(visitor)).to_contain_text(QUESTION)
    expect(poll_section(visitor)).to_contain_text("Sign in as a member of this community to vote.")
    expect(poll_section(visitor).get_by_role("link", name="Create an account")).to_be_visible()
    expect(poll_section(visitor).locator("input[name=option]")).to_have_count(0)
    expect(poll_section(visitor)).not_to_contain_text("(100%)")

    # Amara closes the poll early; now everyone sees the results and nobody votes.
    amara_page.goto(thread_url)
    poll_section(amara_page).get_by_role("button", name="Close the poll now").click()
    expect(poll_section(amara_page).get_by_role("status")).to_have_text("The poll is closed.")
    visitor.reload()
    expect(poll_section(visitor)).to_contain_text("Closed")
    expect(poll_section(visitor).get_by_role("listitem").filter(has_text="Pay per use")).to_contain_text(
        "1 vote (100%)"
    )
    chen_page.goto(thread_url)
    expect(poll_section(chen_page).locator("input[name=option]")).to_have_count(0)
    context.close()
    console_errors.assert_none()


def test_a_member_starts_a_thread_with_a_timed_poll_on_a_phone_without_javascript(browser, live_server, console_errors):
    community = CommunityFactory(name="Rural Water Supply", slug="rural-water")
    priya = MembershipFactory(community=community, user=UserFactory(username="priya", time_zone="Asia/Kolkata")).user
    context = browser.new_context(base_url=live_server.url, viewport=PHONE, java_script_enabled=False)
    page = context.new_page()
    console_errors.watch(page)
    sign_in(page, email=priya.email)

    page.goto("/c/rural-water/discussions/new/")
    page.get_by_label(re.compile(r"^Title")).fill(TITLE)
    page.get_by_label(re.compile(r"^Your post")).fill("Tell us what works.")
    page.locator("summary", has_text="Add a poll").click()  # <details> opens without JavaScript
    expect(page.get_by_text("In your time zone, Asia/Kolkata.")).to_be_visible()
    page.get_by_label(re.compile(r"^Poll question")).fill(QUESTION)
    page.get_by_label(re.compile(r"^Poll options")).fill("Caretaker retainer\nPay per use\nAnnual levy")
    page.get_by_label("Several options").check()
    page.get_by_label(re.compile(r"^At most")).fill("2")
    page.get_by_label(re.compile(r"^Closes")).fill("2031-03-01T09:00")
    page.get_by_label("Only after the poll closes").check()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], "the form overflows a phone"
    page.get_by_role("button", name="Start the thread").click()

    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)
    poll = poll_section(page)
    expect(poll).to_contain_text("Choose up to 2 options")
    expect(poll).to_contain_text("Closes 1 Mar 2031, 09:00 (Asia/Kolkata)")
    expect(poll).to_contain_text("The results are shown when the poll closes.")
    poll.get_by_label("Pay per use").check()
    poll.get_by_label("Annual levy").check()
    poll.get_by_role("button", name="Vote").click()
    expect(page.get_by_text("Your vote is saved.")).to_be_visible()
    expect(poll).not_to_contain_text("1 vote (")  # results stay hidden until the poll closes
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], "the poll overflows a phone"
    assert Poll.objects.get().closes_at.isoformat() == "2031-03-01T03:30:00+00:00"
    context.close()
    console_errors.assert_none()
