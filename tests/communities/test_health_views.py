"""The health page, its CSV export and the staff overview: who sees what, and how fast."""

import csv
import io
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from communities.health.snapshots import snapshot_take
from communities.models import HealthSnapshot
from tests.communities.factories import CommunityFactory, MembershipFactory
from tests.communities.health_helpers import members, question
from tests.discussions.factories import make_reply, make_thread
from tests.members.factories import UserFactory
from tests.resources.factories import make_practice

pytestmark = pytest.mark.django_db


def health_url(community):
    return reverse("communities:health", kwargs={"slug": community.slug})


def export_url(community):
    return reverse("communities:health_export", kwargs={"slug": community.slug})


@pytest.fixture
def snapshot(community, coordinator):
    return snapshot_take(community=community, day=timezone.now().date())


def test_coordinator_sees_every_panel_with_accessible_charts(client, community, coordinator, snapshot):
    client.force_login(coordinator)
    response = client.get(health_url(community))
    assert response.status_code == 200
    html = response.content.decode()
    for heading in (
        "Membership and critical mass",
        "Flow of energy",
        "Participation mix",
        "Responsiveness",
        "Reach across boundaries",
        "Results",
        "Lifecycle: Discover",
    ):
        assert heading in html
    assert html.count('role="img"') >= 7
    assert "<title>Members and active members per week</title>" in html
    assert "Critical mass: 10" in html
    assert "What you can do:" in html
    assert 'style="' not in html  # the CSP forbids inline styles


def test_active_member_sees_only_the_summary(client, community, active_membership, member, snapshot):
    client.force_login(member)
    html = client.get(health_url(community)).content.decode()
    assert "At a glance" in html
    assert "Reach across boundaries" not in html
    assert "Change stage" not in html
    assert client.get(export_url(community)).status_code == 403


def test_staff_see_the_full_page_of_any_community(client, staff, community, snapshot):
    client.force_login(staff)
    assert "Reach across boundaries" in client.get(health_url(community)).content.decode()
    assert client.get(export_url(community)).status_code == 200


@pytest.mark.parametrize("state", ["pending", "invited", "banned"])
def test_people_who_are_not_active_members_are_refused(client, community, coordinator, state):
    outsider = UserFactory()
    MembershipFactory(community=community, user=outsider, state=state)
    client.force_login(outsider)
    assert client.get(health_url(community)).status_code == 403


def test_non_member_of_a_listed_community_gets_403(client, community, coordinator, other_member):
    client.force_login(other_member)
    assert client.get(health_url(community)).status_code == 403


def test_hidden_community_is_a_404_for_outsiders(client, other_member):
    hidden = CommunityFactory(visibility="hidden")
    client.force_login(other_member)
    assert client.get(health_url(hidden)).status_code == 404
    assert client.get(export_url(hidden)).status_code == 404


def test_anonymous_visitors_are_sent_to_sign_in(client, community):
    response = client.get(health_url(community))
    assert response.status_code == 302
    assert reverse("account_login") in response["Location"]


def test_page_without_snapshots_says_figures_come_nightly(client, community, coordinator):
    client.force_login(coordinator)
    assert "No figures yet" in client.get(health_url(community)).content.decode()


def test_coordinator_can_recompute_todays_figures(client, community, coordinator):
    client.force_login(coordinator)
    response = client.post(reverse("communities:health_refresh", kwargs={"slug": community.slug}))
    assert response.status_code == 302
    assert HealthSnapshot.objects.filter(community=community, day=timezone.now().date()).exists()


def test_unanswered_questions_are_listed_live(client, community, coordinator):
    asker = members(community, 1)[0]
    question(community=community, asker=asker, asked_at=timezone.now() - timedelta(days=3))
    client.force_login(coordinator)
    html = client.get(health_url(community)).content.decode()
    assert "Questions nobody has replied to (1)" in html


def _grow(community, size: int, days: int) -> None:
    """`size` members, each with a thread that got a reply and a question nobody answered,
    a practice, and `days` days of snapshots."""
    people = members(community, size)
    for person in people:
        thread = make_thread(community=community, author=person)
        make_reply(thread=thread, author=people[0])
        make_thread(community=community, author=person, kind="question")
        make_practice(community=community, author=person)
    today = timezone.now().date()
    for offset in range(days):
        snapshot_take(community=community, day=today - timedelta(days=offset))


@pytest.mark.parametrize(("size", "days"), [(3, 10), (40, 182)])
def test_page_queries_do_not_grow_with_the_community(
    client, community, coordinator, size, days, django_assert_max_num_queries
):
    _grow(community, size, days)
    client.force_login(coordinator)
    # 14 before the Value panel, which reads the survey settings, its answers and emails per
    # period, the stories per cycle and the first stories, and the cross-organisation pairs (3);
    # and 2 aggregates for the Events panel (events.health).
    with django_assert_max_num_queries(19):
        response = client.get(health_url(community))
    assert response.status_code == 200
    assert f"Questions nobody has replied to ({size})" in response.content.decode()


def test_csv_has_one_row_per_day_with_named_columns(client, community, coordinator):
    today = timezone.now().date()
    make_thread(community=community, author=coordinator)
    snapshot_take(community=community, day=today - timedelta(days=1))
    snapshot_take(community=community, day=today)
    client.force_login(coordinator)

    response = client.get(export_url(community))

    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert [row["day"] for row in rows] == [(today - timedelta(days=1)).isoformat(), today.isoformat()]
    assert rows[1]["threads"] == "1"
    assert rows[0]["resource_views"] == ""  # unknown for a past day


def test_staff_overview_lists_every_community(client, staff, community, snapshot):
    hidden = CommunityFactory(name="Quiet Cell", visibility="hidden")
    client.force_login(staff)
    html = client.get(reverse("communities:health_overview")).content.decode()
    assert community.name in html and hidden.name in html
    assert "No figures this week" in html


def test_overview_is_for_staff_only(client, coordinator):
    client.force_login(coordinator)
    assert client.get(reverse("communities:health_overview")).status_code == 403
    assert reverse("communities:health_overview") not in client.get(reverse("communities:directory")).content.decode()


def test_staff_find_the_overview_from_the_directory(client, staff):
    client.force_login(staff)
    assert reverse("communities:health_overview") in client.get(reverse("communities:directory")).content.decode()


def test_community_home_links_members_to_the_health_page(client, community, active_membership, member):
    client.force_login(member)
    assert health_url(community) in client.get(community.get_absolute_url()).content.decode()
