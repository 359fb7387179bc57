"""How many results the page says there are, and which ones it ranks, now that one query
answers both (engine._ranking): the figure is exact up to COUNT_LIMIT and "more than" only
when there really are more matches the searcher may see; pages never repeat or skip a hit;
ranking orders the newest CANDIDATE_LIMIT matches of each type by relevance. On every
database (the SQLite fallback ranks a title match first too)."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from cop_platform.search import engine
from discussions.models import Thread
from tests.communities.factories import CommunityFactory, MembershipFactory
from tests.discussions.factories import make_thread
from tests.members.factories import UserFactory

pytestmark = pytest.mark.django_db

SEARCH = reverse("search:search")


def page_html(client, **params) -> str:
    response = client.get(SEARCH, params)
    assert response.status_code == 200
    return response.content.decode()


def hit_titles(html: str) -> list[str]:
    """The titles of the hits on a page, in order (highlighting removed)."""
    plain = html.replace("<mark>", "").replace("</mark>", "")
    shown = [title for title in Thread.objects.values_list("title", flat=True) if title in plain]
    return sorted(shown, key=plain.index)


@pytest.fixture
def limits(monkeypatch):
    """set(count, candidates): count up to `count`, rank the newest `candidates` of each type."""

    def set_limits(count, candidates=None):
        monkeypatch.setattr(engine, "COUNT_LIMIT", count)
        monkeypatch.setattr(engine, "CANDIDATE_LIMIT", candidates if candidates is not None else count + 1)

    return set_limits


def threads(community, author, count, word="cistern"):
    return [
        make_thread(community=community, author=author, title=f"{word.title()} {n}", body="x") for n in range(count)
    ]


def test_up_to_the_limit_the_figure_is_exact(client, community, member, active_membership, limits):
    limits(4)
    threads(community, member, 4)
    html = page_html(client, q="cistern")
    assert "4 results for “cistern”" in html and "More than" not in html


def test_one_more_match_than_the_limit_says_more_than(client, community, member, active_membership, limits):
    limits(4)
    threads(community, member, 5)
    html = page_html(client, q="cistern")
    assert "More than 4 results for “cistern”" in html and "5 results" not in html


def test_a_type_with_more_matches_than_it_ranks_never_reads_as_an_exact_figure(
    client, community, member, active_membership, limits
):
    # 9 threads, only the newest 5 ranked: the page must not claim "5 results".
    limits(4, candidates=5)
    threads(community, member, 9)
    assert "More than 4 results" in page_html(client, q="cistern")


def test_matches_the_searcher_may_not_see_are_never_counted(client, community, member, active_membership, limits):
    limits(3)
    private = CommunityFactory(name="Inner circle", slug="inner", visibility="private")
    MembershipFactory(community=private, user=member)
    threads(private, member, 6, word="secret cistern")
    threads(community, member, 2)
    outsider = UserFactory(username="olive")
    client.force_login(outsider)
    html = page_html(client, q="cistern")
    assert "2 results for “cistern”" in html and "Secret" not in html
    client.force_login(member)
    assert "More than 3 results" in page_html(client, q="cistern")


def test_pages_of_a_capped_search_neither_repeat_nor_skip_a_hit(
    client, settings, community, member, active_membership, limits
):
    settings.PAGE_SIZE = 2
    limits(4)
    made = threads(community, member, 7)
    seen = []
    for number in (1, 2, 3):
        html = page_html(client, q="cistern", page=number)
        assert "More than 4 results" in html
        seen += hit_titles(html)
    # 4 + 1 hits are counted, so three pages of 2, 2 and 1, each hit once.
    assert len(seen) == 5 and len(set(seen)) == 5
    assert set(seen) <= {thread.title for thread in made}
    assert "Page 3 of 3" in html


def test_relevance_orders_the_candidates_and_only_the_newest_are_candidates(
    client, community, member, active_membership, limits
):
    limits(2, candidates=3)
    old = make_thread(community=community, author=member, title="Spillway repairs", body="Concrete work.")
    Thread.objects.filter(pk=old.pk).update(
        created_at=timezone.now() - timedelta(days=30), last_activity_at=timezone.now() - timedelta(days=30)
    )
    for number in range(2):
        make_thread(community=community, author=member, title=f"Site visit {number}", body="The spillway held.")
    # Three candidates: the older title match still ranks above the newer body matches.
    assert hit_titles(page_html(client, q="spillway")) == ["Spillway repairs", "Site visit 1", "Site visit 0"]
    # A newer match pushes it out of the newest three: a broad query favours recent items.
    make_thread(community=community, author=member, title="Site visit 2", body="Spillway gauges read.")
    html = page_html(client, q="spillway")
    assert "Spillway repairs" not in hit_titles(html) and len(hit_titles(html)) == 3
    assert "More than 2 results" in html


def test_the_community_filter_keeps_the_chosen_community(client, community, member, active_membership):
    other = CommunityFactory(name="Drylands", slug="drylands")
    html = page_html(client, q="cistern", community=other.slug)
    assert f'<option value="{other.slug}" selected>Drylands</option>' in html
    assert f'<option value="{community.slug}">{community.name}</option>' in html
    assert '<option value="">All communities</option>' in html
    assert '<option value="" selected>All communities</option>' in page_html(client, q="cistern")


def test_each_type_ranks_more_candidates_than_are_counted():
    # Otherwise a type with exactly COUNT_LIMIT candidates but many more matches would read as
    # an exact "1,000 results".
    assert engine.CANDIDATE_LIMIT > engine.COUNT_LIMIT
