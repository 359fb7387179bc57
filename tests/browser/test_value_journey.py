"""The value survey in a real browser: a member opens the survey email's link, signs in,
answers with a story and consent to show their name; their coordinator sees the answer in
the Value panel of the health page (response rate, average, the story under its cycle), and
downloads the value-creation matrix. Under the strict Content-Security-Policy: no console
errors."""

import re
from urllib.parse import urlparse

import pytest
from django.core import mail
from playwright.sync_api import expect

from communities.tasks import value_survey_schedule
from tests.communities.factories import CommunityFactory, coordinator_of
from tests.communities.value_helpers import long_standing_members, survey_on
from tests.members.factories import UserFactory

from .axe import axe_violations, describe
from .conftest import PHONE
from .test_onboarding_journey import sign_in

pytestmark = pytest.mark.browser
LINK = re.compile(r"https?://\S+/value/survey/[^/\s]+/")


def test_member_answers_from_the_email_and_the_coordinator_sees_it(new_page, console_errors):
    community = CommunityFactory(name="Dryland Water", slug="dryland-water")
    cora = coordinator_of(community, user=UserFactory(username="cora", display_name="Cora Mensah"))
    survey_on(community, cora)
    (amara,) = long_standing_members(community, 1, display_name="Amara Okafor")
    value_survey_schedule()  # beat's daily task (eager: no broker in the browser tests)
    (email,) = mail.outbox
    link = urlparse(LINK.search(email.body).group(0)).path

    page = new_page(viewport=PHONE)
    page.goto(link)  # signed out: the link asks to sign in, then opens the form
    sign_in_form = page.get_by_label(re.compile(r"^Email", re.I))
    expect(sign_in_form).to_be_visible()
    sign_in_form.fill(amara.email)
    page.get_by_label(re.compile(r"^Password\W*$", re.I)).fill("correct horse battery staple")
    page.get_by_role("button", name=re.compile(r"^Sign in$", re.I)).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("How valuable was Dryland Water to you?")
    assert not (violations := axe_violations(page)), describe(violations)

    page.get_by_label("4 · Very valuable").check()
    page.get_by_label("What happened in the community?").fill("A thread on sand dam siting.")
    page.get_by_label("What did you do differently because of it?").fill("We moved two planned dams upstream.")
    page.get_by_label("Show my name with my story").check()
    page.get_by_role("button", name="Send my answer").click()
    expect(page.get_by_text("Thank you: your answer is saved.")).to_be_visible()
    expect(page.get_by_role("button", name="Save my changes")).to_be_visible()  # editable until the period closes

    coordinator = new_page()
    sign_in(coordinator, email=cora.email)
    coordinator.goto(f"/c/{community.slug}/health/")
    panel = coordinator.locator("section.value-panel")
    expect(panel.get_by_role("heading", name="Value members get")).to_be_visible()
    assert not (violations := axe_violations(coordinator)), describe(violations)
    expect(panel.locator(".value-average")).to_have_text("4.0 of 5")
    expect(panel.locator(".value-rate")).to_contain_text("100% (1 of 1 asked)")
    story = panel.locator(".value-story").first
    expect(story).to_contain_text("We moved two planned dams upstream.")
    expect(story).to_contain_text("told by Amara Okafor")
    expect(story).to_contain_text("Applied value")
    with coordinator.expect_download() as download:
        panel.get_by_role("link", name="Download the value-creation matrix (CSV)").click()
    assert download.value.suggested_filename == "dryland-water-value-matrix.csv"
    console_errors.assert_none()
