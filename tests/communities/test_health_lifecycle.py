"""Lifecycle guidance (the 5D checklist and stage changes) and the SVG charts."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from communities.health import charts
from communities.health.lifecycle import checklist, community_change_stage
from communities.models import AuditEntry
from communities.services import community_update
from tests.communities.factories import CommunityFactory, coordinator_of
from tests.resources.factories import make_practice

pytestmark = pytest.mark.django_db


def _done(items) -> dict:
    return {item.label.split(" (")[0]: item.done for stage in items.values() for item in stage}


def test_checklist_items_follow_the_community_data():
    community = CommunityFactory.build(
        domain="Water", audience="", mandate="Share", norms="", tagline="", visibility="private", critical_mass=5
    )
    done = _done(checklist(community, coordinators=1, active_30d=5, practices=0))
    assert done == {
        "Domain written": True,
        "Audience written": False,
        "Mandate written": True,
        "Norms written": False,
        "At least two coordinators": False,
        "Critical mass reached": True,
        "Practices documented": False,
        "Public summary shared": False,
    }
    community.visibility, community.tagline = "public", "Practitioners of water"
    done = _done(checklist(community, coordinators=2, active_30d=4, practices=1))
    assert done["Public summary shared"] and done["At least two coordinators"] and done["Practices documented"]
    assert not done["Critical mass reached"]


def test_health_page_checklist_counts_coordinators_and_practices(client, community, coordinator):
    coordinator_of(community)
    make_practice(community=community, author=coordinator)
    client.force_login(coordinator)
    html = client.get(reverse("communities:health", kwargs={"slug": community.slug})).content.decode()
    assert "✓</span> At least two coordinators" in html
    assert "✓</span> Practices documented (1)" in html
    assert "○</span> Critical mass reached (0 of 10 active in 30 days)" in html


def test_coordinator_moves_the_stage_and_it_is_audited(community, coordinator):
    community_change_stage(actor=coordinator, community=community, stage="dream", note="Charter agreed")
    community.refresh_from_db()
    assert community.stage == "dream"
    entry = AuditEntry.objects.get(community=community, action="stage_changed")
    assert entry.actor == coordinator
    assert entry.detail == "Discover → Dream: Charter agreed"


def test_choosing_the_current_stage_changes_nothing(community, coordinator):
    community_change_stage(actor=coordinator, community=community, stage="discover")
    assert not AuditEntry.objects.filter(action="stage_changed").exists()


def test_members_cannot_change_the_stage(community, active_membership, member):
    with pytest.raises(PermissionDenied):
        community_change_stage(actor=member, community=community, stage="design")


def test_unknown_stage_is_refused(community, coordinator):
    with pytest.raises(ValidationError):
        community_change_stage(actor=coordinator, community=community, stage="dance")


def test_changing_the_stage_in_the_charter_form_is_logged_too(community, coordinator):
    community_update(actor=coordinator, community=community, stage="design")
    assert AuditEntry.objects.get(action="stage_changed").detail == "Discover → Design"


def test_stage_form_on_the_health_page_moves_the_stage_and_shows_the_timeline(client, community, coordinator):
    client.force_login(coordinator)
    url = reverse("communities:health_stage", kwargs={"slug": community.slug})
    response = client.post(url, {"stage": "document", "note": "First practices written"}, follow=True)
    html = response.content.decode()
    assert "is now in the Document stage" in html
    assert "Stage changed, Discover → Document: First practices written" in html


def test_stage_form_errors_are_shown_next_to_the_field(client, community, coordinator):
    client.force_login(coordinator)
    url = reverse("communities:health_stage", kwargs={"slug": community.slug})
    response = client.post(url, {"stage": "nowhere"})
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()


def test_member_posting_the_stage_form_gets_403(client, community, active_membership, member):
    client.force_login(member)
    url = reverse("communities:health_stage", kwargs={"slug": community.slug})
    assert client.post(url, {"stage": "dream"}).status_code == 403
    community.refresh_from_db()
    assert community.stage == "discover"


# --- charts ----------------------------------------------------------------------------------


def test_chart_text_is_escaped():
    svg = charts.column_chart(
        title="<script>alert(1)</script>",
        labels=['"><img src=x>'],
        series=[charts.Series("A & B", [3])],
        x_label="<b>week</b>",
        y_label="n",
    )
    assert "<script>" not in svg and "<img" not in svg and "<b>" not in svg
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in svg
    assert "A &amp; B" in svg
    bars = charts.bar_list(title="Countries", items=[("<i>x</i>", 2)])
    assert "<i>" not in bars and "&lt;i&gt;x&lt;/i&gt;" in bars


def test_charts_are_accessible_images_with_a_description():
    svg = charts.line_chart(
        title="Members",
        labels=["01 Jan", "08 Jan"],
        series=[charts.Series("Members", [4, None]), charts.Series("Active", [1, 2], "series-2")],
        x_label="Week starting",
        y_label="People",
        threshold=10,
        threshold_label="Critical mass",
    )
    assert svg.startswith('<svg class="chart"') and 'role="img"' in svg
    assert "<title>Members</title>" in svg
    assert "<desc>Members: 4 (01 Jan) to 4 (01 Jan); Active: 1 (01 Jan) to 2 (08 Jan). Critical mass: 10.</desc>" in svg
    assert "Week starting" in svg and "People" in svg
    assert 'class="threshold"' in svg
    assert "style=" not in svg


def test_an_empty_chart_says_so():
    svg = charts.column_chart(title="Nothing", labels=[], series=[], x_label="x", y_label="y")
    assert "<desc>No figures yet.</desc>" in svg
