"""Search never returns what the searcher may not see: for every role and every content
type, on Postgres (full text) and on SQLite (the fallback), through the search function,
the page and the similar-threads hint."""

import re

import pytest
from django.db import connection
from django.urls import reverse

from cop_platform.search import engine
from cop_platform.search.engine import SearchFilters, search, similar

from .conftest import ROLES

pytestmark = pytest.mark.django_db


def without_marks(html: str) -> str:
    return re.sub(r"</?mark>", "", html)


def found_urls(user, query="quokka", **filters):
    results = search(user=user, query=query, filters=SearchFilters(**filters))
    return {hit.url for hit in results[: results.count()]}


@pytest.mark.parametrize("role", ROLES)
def test_search_returns_exactly_what_each_role_may_see(world, role):
    found = found_urls(world.user(role))
    expected = {url for url, roles in world.expected.items() if role in roles}
    assert found == expected, f"{role}: leaked {found - expected}, missed {expected - found}"


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("kind", ["community", "thread", "post", "resource", "profile"])
def test_each_content_type_alone_respects_visibility(world, role, kind):
    found = found_urls(world.user(role), kinds=(kind,))
    expected = {url for url, roles in world.expected.items() if role in roles and world.kinds[url] == kind}
    assert found == expected


def test_hidden_and_deleted_replies_are_never_found_even_by_staff(world):
    hidden = {url for url, roles in world.expected.items() if not roles}
    assert hidden and not hidden & found_urls(world.user("staff"))


@pytest.mark.parametrize("role", ["anonymous", "outsider", "pending", "banned", "other_member"])
def test_page_shows_no_private_titles_to_outsiders(client, world, role):
    if world.people.get(role):
        client.force_login(world.user(role))
    html = without_marks(client.get(reverse("search:search"), {"q": "quokka"}).content.decode())
    assert "Quokka habitat in the public circle" in html
    assert "private circle" not in html.replace("Quokka private circle", "")  # the listed community may show
    assert "hidden circle" not in html
    assert "gossip" not in html


def test_searching_inside_a_private_community_is_refused_to_outsiders(client, world):
    client.force_login(world.user("outsider"))
    response = client.get(reverse("search:search"), {"q": "quokka", "community": "quokka-private"})
    assert response.status_code == 400
    assert "There is no community you can read at that address." in response.content.decode()
    assert "habitat" not in response.content.decode()


@pytest.mark.parametrize("role", ROLES)
def test_similar_threads_hint_respects_visibility(client, world, role):
    if world.people.get(role):
        client.force_login(world.user(role))
    html = without_marks(client.get(reverse("search:similar"), {"title": "Where do quokka live?"}).content.decode())
    assert ("public circle" in html) is True
    assert ("private circle" in html) == (role in {"member", "coordinator", "staff"})
    assert ("hidden circle" in html) == (role in {"member", "coordinator", "staff"})


def test_similar_lists_at_most_five_threads_and_resources(world):
    hits = similar(user=world.user("staff"), title="quokka habitat counting")
    assert 0 < len(hits) <= 5
    assert {hit.kind for hit in hits} <= {"thread", "resource"}


def test_one_compiled_search_answers_every_role_in_turn_for_itself(world):
    """On PostgreSQL the search's SQL is compiled once per shape (engine._CANDIDATES) and run
    with each viewer's id: run every role one after another, twice, in both orders, and each
    must still find exactly its own results."""
    for role in [*ROLES, *reversed(ROLES)]:
        expected = {url for url, roles in world.expected.items() if role in roles}
        assert found_urls(world.user(role)) == expected, role
    if connection.vendor == "postgresql":
        assert engine._CANDIDATES._shapes, "the search ran uncompiled"
