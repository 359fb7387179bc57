"""The full demo (`seed_demo` with its months of history), seeded once for this module: it takes
most of a minute, so every test that reads it lives here (tests/demo_data.py). Each test runs in
its own savepoint inside the seeding's transaction."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.urls import reverse

from communities.models import AuditEntry, Community
from cop_platform.management.commands.seed_demo import COORDINATOR_EMAIL, HEALTH_BACKFILL_DAYS
from cop_platform.search.engine import search
from cop_platform.search.registry import all_sources
from members.models import User
from tests.demo_data import seed_demo_for_module
from tests.search.conftest import postgres_only

# One worker runs the whole module, so the demo is seeded once (make test uses --dist loadgroup).
pytestmark = [pytest.mark.django_db, pytest.mark.xdist_group("demo_with_history")]


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker, tmp_path_factory):
    with seed_demo_for_module(django_db_blocker, tmp_path_factory.mktemp("demo")) as output:
        yield output


def test_demo_communities_have_months_of_health_figures_that_tell_a_story(demo, client):
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


@postgres_only
def test_the_demo_seeder_leaves_every_searched_row_indexed(demo):
    """The stored search vectors: every row the seeder writes is indexed, so search works on a
    fresh demo without a rebuild."""
    for source in all_sources():
        rows = source.model._base_manager
        assert rows.exists(), source.kind
        assert not rows.filter(search_vector=None).exists(), f"{source.plural} without a search vector"
    kinds = {hit.kind for hit in search(user=AnonymousUser(), query="water")[:50]}
    assert {"community", "thread", "resource", "profile"} <= kinds
