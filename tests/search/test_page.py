"""The /search/ page as a visitor uses it: filters, pages, messages for bad queries, safe
highlighting, a fixed number of queries, and the similar-threads hint on the new-thread form."""

from datetime import timedelta

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from communities.models import Community
from cop_platform.search.engine import search
from cop_platform.search.forms import SearchForm
from discussions.models import Thread
from tests.communities.factories import CommunityFactory, MembershipFactory
from tests.discussions.factories import make_reply, make_thread
from tests.members.factories import UserFactory
from tests.resources.factories import make_practice

pytestmark = pytest.mark.django_db

SEARCH = reverse("search:search")


def page(client, **params):
    return client.get(SEARCH, params)


def text(response) -> str:
    return response.content.decode()


@pytest.fixture
def library(community, member, active_membership, other_member):
    """Two communities with wells content by two authors, tagged differently."""
    other = CommunityFactory(name="Drylands", slug="drylands")
    MembershipFactory(community=other, user=other_member)
    make_thread(community=community, author=member, title="Wells in clay", body="a", tags=["geology"])
    make_thread(community=other, author=other_member, title="Wells in sand", body="b", tags=["drilling"])
    make_practice(community=community, author=member, title="Wells maintenance checklist", body="Monthly.")
    return community, other


def test_without_a_query_the_page_explains_how_to_search(client):
    response = page(client)
    assert response.status_code == 200
    assert "<title>Search · " in text(response)
    assert "finds the exact phrase" in text(response)


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("", "Type one or more words to search for."),
        ("   ", "Type one or more words to search for."),
        ("water " * 50, "keep it under 200"),
        ("-solar -pumps", "nothing to look for"),
        ('"" OR', "nothing to look for"),
        ("pump\x00s", "Null characters are not allowed."),
    ],
)
def test_bad_queries_say_what_is_wrong_and_keep_the_text(client, query, message):
    response = page(client, q=query)
    assert response.status_code == 400
    assert message in text(response)
    if query.strip():
        assert 'value="' + query.strip()[:20] in text(response).replace("&quot;", '"')


def test_results_link_to_each_hit_and_its_community(client, library):
    html = text(page(client, q="wells"))
    assert "3 results for “wells”" in html
    thread = Thread.objects.get(title="Wells in clay")
    assert f'href="{thread.get_absolute_url()}"' in html
    assert f'href="{thread.community.get_absolute_url()}"' in html
    assert "Documented practice" in html


def test_filters_narrow_by_type_community_tag_author_and_date(client, library):
    community, other = library
    assert "2 results" in text(page(client, q="wells", type="thread"))
    assert "1 result for" in text(page(client, q="wells", type="resource"))
    scoped = text(page(client, q="wells", community="drylands"))
    assert (
        "Search in Drylands" in scoped
        and "1 result for" in scoped
        and "Wells in sand" in scoped.replace("<mark>", "").replace("</mark>", "")
    )
    assert "1 result for" in text(page(client, q="wells", tag="#Drilling"))
    assert "2 results" in text(page(client, q="wells", author="mira"))
    Thread.objects.filter(title="Wells in sand").update(created_at=timezone.now() - timedelta(days=60))
    recent = (timezone.now() - timedelta(days=7)).date().isoformat()
    assert "2 results" in text(page(client, q="wells", date_from=recent))
    old = (timezone.now() - timedelta(days=30)).date().isoformat()
    assert "1 result for" in text(page(client, q="wells", type="thread", date_to=old))


def test_a_reversed_date_range_is_explained(client, library):
    response = page(client, q="wells", date_from="2025-05-01", date_to="2025-04-01")
    assert response.status_code == 400
    assert "The end date is before the start date." in text(response)


def test_results_paginate(client, community, member, active_membership):
    for number in range(23):
        make_thread(community=community, author=member, title=f"Latrine design {number}", body="x")
    first = text(page(client, q="latrine"))
    assert "23 results" in first and first.count('class="search-hit') == 20 and "Page 1 of 2" in first
    second = text(page(client, q="latrine", page=2))
    assert second.count('class="search-hit') == 3 and "q=latrine" in second


def test_highlights_escape_user_text(client, community, member, active_membership):
    make_thread(community=community, author=member, title="<script>alert(1)</script> pumps", body="<b>pumps</b>")
    html = text(page(client, q="pumps"))
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; <mark>pumps</mark>" in html
    assert "<b>" not in html


@pytest.mark.parametrize("size", [3, 30])
def test_query_count_does_not_grow_with_results(client, django_assert_max_num_queries, size, community, member):
    MembershipFactory(community=community, user=member)
    for number in range(size):
        thread = make_thread(community=community, author=member, title=f"Cistern {number}", body="cistern", tags=["x"])
        make_reply(thread=thread, author=member, body="A cistern reply")
        make_practice(community=community, author=member, title=f"Cistern guide {number}", body="cistern")
        UserFactory(headline="Cistern builder", profile_visibility="public")
    client.force_login(member)
    # Session, user, unread count, the community choices, the ranking that gives both the count
    # and the page (after set_config on Postgres: no parallel workers, no JIT), and one query per
    # content type shown (five at most): the same whatever the number of matches.
    with django_assert_max_num_queries(11):
        response = page(client, q="cistern")
    assert response.status_code == 200 and 'class="search-hit' in text(response)


PLANNER_SETTINGS = (
    "SELECT current_setting('enable_hashjoin'), current_setting('enable_mergejoin'), current_setting('jit'), "
    "current_setting('max_parallel_workers_per_gather')"
)


@pytest.mark.django_db(transaction=True)
def test_the_search_query_s_planner_settings_end_with_its_transaction(community, member):
    """On PostgreSQL the ranking query turns off parallel workers, JIT, hash and merge joins
    for itself only (set_config local to its own transaction): the next query on the
    connection plans as it did before."""
    if connection.vendor != "postgresql":
        pytest.skip("planner settings are PostgreSQL's")
    MembershipFactory(community=community, user=member)
    make_thread(community=community, author=member, title="Cistern care", body="cistern")
    with connection.cursor() as cursor:
        cursor.execute(PLANNER_SETTINGS)
        before = cursor.fetchone()
    assert search(user=member, query="cistern").count() == 1
    with connection.cursor() as cursor:
        cursor.execute(PLANNER_SETTINGS)
        assert cursor.fetchone() == before
    assert before[:2] == ("on", "on")


def test_search_box_in_the_nav_and_on_community_pages(client, community):
    home = text(client.get("/"))
    assert f'action="{SEARCH}"' in home and 'name="q"' in home
    community_page = text(client.get(community.get_absolute_url()))
    assert f'name="community" value="{community.slug}"' in community_page


# --- The similar-threads hint on the new-thread form --------------------------------------------


def test_new_thread_title_asks_for_similar_threads_as_you_type(client, community, member, active_membership):
    client.force_login(member)
    html = text(client.get(reverse("discussions:new", args=[community.slug])))
    assert f'hx-get="{reverse("search:similar")}?community={community.slug}"' in html
    assert 'hx-target="#similar-threads"' in html and "delay:600ms" in html
    assert "Check for similar questions" in html


def test_check_for_similar_questions_works_without_javascript(client, community, member, active_membership):
    make_thread(community=community, author=member, title="Chlorine dosing for small systems", body="a")
    client.force_login(member)
    response = client.post(
        reverse("discussions:new", args=[community.slug]),
        {"title": "What chlorine dose should we use?", "kind": "question", "body": "Draft", "similar": "1"},
    )
    html = text(response)
    assert response.status_code == 200
    assert "Has this been asked before?" in html and "dosing for small systems" in html
    assert "Draft" in html  # nothing typed is lost
    assert Thread.objects.count() == 1


def test_similar_endpoint_prefers_the_community_and_caps_at_five(client, community, member, active_membership):
    for number in range(8):
        make_thread(community=community, author=member, title=f"Chlorine residual {number}", body="a")
    html = text(client.get(reverse("search:similar"), {"title": "chlorine residual", "community": community.slug}))
    assert html.count("<li>") == 5
    assert "Has this been asked before?" in html
    empty = text(client.get(reverse("search:similar"), {"title": "zzzz unrelated"}))
    assert "No similar threads" in empty
    assert client.get(reverse("search:similar"), {"title": "chlorine\x00"}).status_code == 200


def test_a_very_broad_search_says_more_than_the_count_limit(client, community, member, active_membership, monkeypatch):
    monkeypatch.setattr("cop_platform.search.engine.COUNT_LIMIT", 4)
    for number in range(6):
        make_thread(community=community, author=member, title=f"Rain gauge {number}", body="x")
    html = text(page(client, q="gauge"))
    assert "More than 4 results" in html


def test_a_community_gone_between_the_choices_and_the_check_is_refused_not_an_error(community):
    """The scope's choices are read when the form is made; if the community is deleted before
    the form is checked, the form says so instead of failing the page."""
    form = SearchForm({"q": "cistern", "community": community.slug}, communities=Community.objects.all())
    Community.objects.filter(pk=community.pk).delete()

    assert not form.is_valid()
    assert form.errors["community"] == ["There is no community you can read at that address."]
