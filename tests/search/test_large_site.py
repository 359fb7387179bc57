"""On a large table, search asks the newest rows first (engine._newest: a window of the newest
RECENT_WINDOW ids, then older rows only for what is missing). The window must never change
what is found: the same hits, in the same order, and never a row the searcher may not see.
Forced here onto a small site by shrinking the window to a couple of rows."""

import pytest

from cop_platform.search import engine
from cop_platform.search.engine import SearchFilters, search
from tests.discussions.factories import make_reply, make_thread

from .conftest import ROLES, postgres_only

pytestmark = [pytest.mark.django_db, postgres_only]


@pytest.fixture
def window(monkeypatch):
    """set(size): search with a recent window of `size` ids (None: no window, as a small site)."""

    def set_window(size):
        monkeypatch.setattr(engine, "RECENT_WINDOW", size if size is not None else 10**12)
        engine._max_pks.clear()

    yield set_window
    engine._max_pks.clear()


def hits(user, query, **filters):
    results = search(user=user, query=query, filters=SearchFilters(**filters))
    return [hit.url for hit in results[: results.count()]]


@pytest.mark.parametrize("role", ROLES)
def test_the_window_finds_exactly_what_each_role_may_see(world, window, role):
    window(1)
    found = set(hits(world.user(role), "quokka"))
    expected = {url for url, roles in world.expected.items() if role in roles}
    assert found == expected, f"{role}: leaked {found - expected}, missed {expected - found}"


@pytest.mark.parametrize("size", [1, 2, 3, 5, 50])
def test_the_newest_candidates_are_the_same_with_or_without_the_window(
    community, member, active_membership, window, monkeypatch, size
):
    thread = make_thread(community=community, author=member, title="Spillway design", body="Spillway notes")
    for number in range(8):
        make_reply(thread=thread, author=member, body=f"Spillway gabions, attempt {number}")
        make_thread(community=community, author=member, title=f"Unrelated {number}", body="Nothing here")
    monkeypatch.setattr(engine, "CANDIDATE_LIMIT", 4)  # only the 4 newest replies are ranked
    window(None)
    plain = hits(member, "spillway gabions", kinds=("post",))
    window(size)
    assert hits(member, "spillway gabions", kinds=("post",)) == plain
    assert len(plain) == 4


@pytest.mark.parametrize("size", [1, 2, 4])
def test_matches_only_in_older_ranges_are_found_newest_first(
    community, member, active_membership, window, monkeypatch, size
):
    # The newest ids hold no match: the candidates come from the wider, older ranges (each
    # WINDOW_GROWTH times the one before), and still in the order of the plain query.
    thread = make_thread(community=community, author=member, title="Weir notes", body="Nothing yet")
    for number in range(4):
        make_reply(thread=thread, author=member, body=f"Culvert inspection {number}")
    for number in range(30):
        make_reply(thread=thread, author=member, body=f"Unrelated remark {number}")
    monkeypatch.setattr(engine, "CANDIDATE_LIMIT", 3)
    window(None)
    plain = hits(member, "culvert", kinds=("post",))
    window(size)
    assert len(engine._windows(engine._max_pk(thread.posts.model))) > 2
    assert hits(member, "culvert", kinds=("post",)) == plain
    assert len(plain) == 3
