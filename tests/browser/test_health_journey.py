"""The health dashboard in a real browser: a coordinator opens it from the community page, its
server-drawn charts render (under the strict Content-Security-Policy, no console errors),
a chart's data table opens, the stage moves and shows on the timeline; on a phone the
charts fit the screen; a member sees the short summary."""

import re
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import expect

from tests.communities.factories import CommunityFactory, MembershipFactory, coordinator_of
from tests.communities.health_helpers import at, question
from tests.discussions.factories import make_reply, make_thread
from tests.members.factories import UserFactory

from .conftest import PHONE
from .test_onboarding_journey import sign_in

pytestmark = pytest.mark.browser


def _community_with_history():
    community = CommunityFactory(name="Dryland Water", slug="dryland-water", critical_mass=3)
    community.created_at = timezone.now() - timedelta(days=60)
    community.save(update_fields=["created_at"])
    cora = coordinator_of(community, user=UserFactory(username="cora", display_name="Cora Mensah"))
    amara = MembershipFactory(community=community, user=UserFactory(username="amara", country="KE")).user
    for weeks_ago in range(1, 8):
        thread = at(make_thread(community=community, author=amara), timezone.now() - timedelta(weeks=weeks_ago))
        at(make_reply(thread=thread, author=cora), timezone.now() - timedelta(weeks=weeks_ago, hours=-3))
    question(community=community, asker=amara, asked_at=timezone.now() - timedelta(days=2))
    call_command("backfill_health", days=60, quiet=True)
    return community, cora, amara


def test_coordinator_reads_the_health_page_and_moves_the_stage(new_page, console_errors):
    community, cora, amara = _community_with_history()

    page = new_page()
    sign_in(page, email=cora.email)
    page.goto(community.get_absolute_url())
    page.get_by_role("link", name=re.compile("Community health")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Health of Dryland Water")

    charts = page.locator("svg.chart[role=img]")
    expect(charts.first).to_be_visible()
    assert charts.count() >= 7
    flow = page.get_by_role("img", name="Threads, replies and resources per week")
    expect(flow).to_be_visible()
    assert flow.bounding_box()["height"] > 100  # drawn, not collapsed by a refused stylesheet
    assert page.locator("svg.chart rect.series-1").count() > 0
    expect(page.get_by_text("Questions nobody has replied to (1)")).to_be_visible()

    page.get_by_text("Data table: Threads, replies and resources per week").click()
    table = page.get_by_role("table", name="Threads, replies and resources per week, last 26 weeks")
    expect(table).to_be_visible()

    page.get_by_label("Lifecycle stage").select_option("dream")
    page.get_by_label("Why (optional)").fill("Charter agreed at the first call")
    page.get_by_role("button", name="Change stage").click()
    expect(page.get_by_text("is now in the Dream stage")).to_be_visible()
    expect(page.get_by_text("Stage changed, Discover → Dream: Charter agreed at the first call")).to_be_visible()

    # On a phone the charts shrink to the screen instead of overflowing it.
    phone = new_page(viewport=PHONE)
    sign_in(phone, email=cora.email)
    phone.goto(f"/c/{community.slug}/health/")
    box = phone.locator("svg.chart").first.bounding_box()
    assert box["width"] <= PHONE["width"]

    # A member gets the summary only.
    member = new_page()
    sign_in(member, email=amara.email)
    member.goto(f"/c/{community.slug}/health/")
    expect(member.get_by_role("heading", name="At a glance")).to_be_visible()
    expect(member.get_by_role("heading", name="Reach across boundaries")).to_have_count(0)

    console_errors.assert_none()
