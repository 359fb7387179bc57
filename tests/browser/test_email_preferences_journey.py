"""In a real browser: a member unsubscribes from an email's link without signing in (on a
phone), then signs in, sets what they get by email, and mutes one community."""

import re
from urllib.parse import urlsplit

import pytest
from django.core import mail
from playwright.sync_api import expect

from communities.models import Membership
from members.mailing import preferences_for
from tests.discussions.factories import make_reply, make_thread

from .test_onboarding_journey import fits_the_screen, sign_in

pytestmark = pytest.mark.browser


def test_unsubscribe_from_an_email_then_choose_preferences_and_mute_a_community(
    new_page, console_errors, community, active_membership, member, coordinator, django_capture_on_commit_callbacks
):
    thread = make_thread(community=community, author=member, title="Borehole yields")
    with django_capture_on_commit_callbacks(execute=True):
        make_reply(thread=thread, author=coordinator, body="Ours dropped 20% in the dry season")
    [email] = [message for message in mail.outbox if message.to == [member.email]]
    link = urlsplit(email.extra_headers["List-Unsubscribe"].strip("<>")).path

    # On a phone, not signed in: the link asks first, then unsubscribes, and offers undo.
    phone = new_page(viewport={"width": 390, "height": 844})
    phone.goto(link)
    expect(phone.get_by_role("heading", level=1)).to_have_text("Unsubscribe")
    assert fits_the_screen(phone)
    assert preferences_for(member).replies == "immediate"
    phone.get_by_role("button", name="Unsubscribe").click()
    expect(phone.get_by_role("heading", level=1)).to_have_text("You're unsubscribed")
    assert (preferences_for(member).replies, preferences_for(member).mentions) == ("off", "off")
    expect(phone.get_by_role("button", name=re.compile("subscribe me again"))).to_be_visible()

    # Signed in on a desktop: settings, email notifications.
    page = new_page()
    sign_in(page, email=member.email)
    page.goto("/settings/")
    page.get_by_role("link", name="Email notifications").click()
    expect(page).to_have_title(re.compile("^Email notifications"))
    page.get_by_role("group", name=re.compile("Replies to your posts")).get_by_label("Email me at once").check()
    page.get_by_role("group", name=re.compile("Digest of what")).get_by_label("Daily").check()
    page.get_by_label("Send my digest at").select_option("18")
    page.get_by_role("button", name="Save email preferences").click()
    expect(page.get_by_text("Your email preferences have been saved.")).to_be_visible()
    prefs = preferences_for(member)
    assert (prefs.replies, prefs.digest_frequency, prefs.digest_hour) == ("immediate", "daily", 18)

    # Mute the community from its page; the settings list shows it muted.
    page.goto(community.get_absolute_url())
    page.get_by_role("button", name="Mute emails from this community").click()
    expect(page.get_by_text(re.compile("no more emails about Water Security"))).to_be_visible()
    assert Membership.objects.get(pk=active_membership.pk).email_muted
    page.goto("/settings/communities/")
    expect(page.get_by_text("Muted", exact=True)).to_be_visible()
    phone.goto("/settings/notifications/")
    console_errors.assert_none()
