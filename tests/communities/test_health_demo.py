"""The demo's history makes the health pages tell a story (seeded once: it takes a while)."""

import io

import pytest
from django.core.management import call_command
from django.urls import reverse

from communities.models import AuditEntry, Community
from cop_platform.management.commands.seed_demo import COORDINATOR_EMAIL, HEALTH_BACKFILL_DAYS
from members.models import User

pytestmark = pytest.mark.django_db


def test_demo_communities_have_months_of_health_figures_that_tell_a_story(client):
    call_command("seed_demo", stdout=io.StringIO())

    water = Community.objects.get(slug="water-security")
    assert water.health_snapshots.count() == HEALTH_BACKFILL_DAYS
    for community in Community.objects.all():
        assert community.health_snapshots.exists()
    latest = water.health_snapshots.latest("day").figures
    assert latest["active_30d"] >= water.critical_mass  # a lively community
    assert latest["questions_30d"] and latest["practices_total"]

    quiet = Community.objects.get(slug="climate-adaptation-agriculture")
    series = [s.figures["active_30d"] for s in quiet.health_snapshots.order_by("day")]
    assert series[-1] < quiet.critical_mass <= max(series)  # it had its critical mass and lost it

    # Stage changes walked the communities through the 5D stages, dated along their life.
    assert AuditEntry.objects.filter(community=water, action="stage_changed").count() == 4

    client.force_login(User.objects.get(email=COORDINATOR_EMAIL))
    response = client.get(reverse("communities:health", kwargs={"slug": water.slug}))
    assert response.status_code == 200
    assert "Discover → Dream" in response.content.decode()
