"""What comes first, and what the query syntax means. Ranking and websearch syntax are
Postgres features; the fallback's simpler rules are checked on whichever database runs."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from cop_platform.search.engine import SearchFilters, search
from discussions.models import Post, Thread
from discussions.services.posting import post_edit, thread_edit
from discussions.services.reacting import answer_accept
from tests.discussions.factories import make_reply, make_thread
from tests.resources.factories import make_file_resource, pdf

from .conftest import postgres_only

pytestmark = pytest.mark.django_db


def titles(user, query, **filters):
    results = search(user=user, query=query, filters=SearchFilters(**filters))
    return [hit.title for hit in results[:50]]


@pytest.fixture
def posting(community, member, active_membership):
    return community, member


@postgres_only
def test_a_title_match_ranks_above_a_body_match(posting):
    community, member = posting
    make_thread(community=community, author=member, title="Pumps and pipes", body="We built a sand dam last year.")
    make_thread(community=community, author=member, title="Sand dam siting", body="Where should it go?")
    assert titles(member, "sand dam", kinds=("thread",)) == ["Sand dam siting", "Pumps and pipes"]


@postgres_only
def test_an_accepted_answer_ranks_above_an_equal_reply(posting):
    community, member = posting
    first = make_thread(community=community, author=member, title="First question", kind="question")
    second = make_thread(community=community, author=member, title="Second question", kind="question")
    make_reply(thread=first, author=member, body="Line the spillway with gabions.")
    accepted = make_reply(thread=second, author=member, body="Line the spillway with gabions.")
    # Same age, same words: only the acceptance differs.
    Post.objects.filter(thread__in=[first, second]).update(created_at=timezone.now() - timedelta(days=3))
    answer_accept(actor=member, post=accepted)
    results = search(user=member, query="gabions spillway", filters=SearchFilters(kinds=("post",)))
    hits = results[:10]
    assert [hit.title for hit in hits] == ["Second question", "First question"]
    assert hits[0].badge == "Accepted answer"


@postgres_only
def test_recent_activity_ranks_above_old_when_the_words_match_equally(posting):
    community, member = posting
    old = make_thread(community=community, author=member, title="Borehole logging", body="x")
    make_thread(community=community, author=member, title="Borehole logging", body="y")
    Thread.objects.filter(pk=old.pk).update(last_activity_at=timezone.now() - timedelta(days=400))
    hits = search(user=member, query="borehole", filters=SearchFilters(kinds=("thread",)))[:5]
    assert hits[0].url != old.get_absolute_url()


@postgres_only
def test_websearch_phrase_exclusion_and_or(posting):
    community, member = posting
    make_thread(community=community, author=member, title="Sand dam design", body="a")
    make_thread(community=community, author=member, title="Dam of sand bags", body="b")
    make_thread(community=community, author=member, title="Solar borehole pumps", body="c")
    make_thread(community=community, author=member, title="Hand borehole pumps", body="d")
    make_thread(community=community, author=member, title="Flood warning", body="e")
    make_thread(community=community, author=member, title="Drought insurance", body="f")
    assert titles(member, '"sand dam"', kinds=("thread",)) == ["Sand dam design"]
    assert titles(member, "borehole -solar", kinds=("thread",)) == ["Hand borehole pumps"]
    assert sorted(titles(member, "flood OR drought", kinds=("thread",))) == ["Drought insurance", "Flood warning"]


@postgres_only
def test_stemming_finds_other_forms_of_a_word(posting):
    community, member = posting
    make_thread(community=community, author=member, title="Measuring recharge", body="a")
    assert titles(member, "measurements", kinds=("thread",)) == ["Measuring recharge"]


def test_phrase_and_exclusion_work_on_every_database(posting):
    community, member = posting
    make_thread(community=community, author=member, title="Sand dam design", body="a")
    make_thread(community=community, author=member, title="Solar borehole pumps", body="c")
    make_thread(community=community, author=member, title="Hand borehole pumps", body="d")
    assert titles(member, '"sand dam"', kinds=("thread",)) == ["Sand dam design"]
    assert titles(member, "borehole -solar", kinds=("thread",)) == ["Hand borehole pumps"]
    assert sorted(titles(member, "sand OR solar", kinds=("thread",))) == ["Sand dam design", "Solar borehole pumps"]


def test_edits_and_retitles_are_searchable_at_once(posting):
    community, member = posting
    thread = make_thread(community=community, author=member, title="Old title", body="About wells")
    reply = make_reply(thread=thread, author=member, body="Original wording")
    post_edit(actor=member, post=reply, body="Rewritten with piezometers")
    thread_edit(actor=member, thread=thread, title="Groundwater monitoring")
    assert titles(member, "piezometers") == ["Groundwater monitoring"]
    assert titles(member, "wording") == []
    assert titles(member, "groundwater", kinds=("thread",)) == ["Groundwater monitoring"]
    assert titles(member, "old title", kinds=("thread",)) == []


def test_tags_and_file_names_are_searched(posting):
    community, member = posting
    make_thread(community=community, author=member, title="Untitled worry", body="a", tags=["hydrogeology"])
    make_file_resource(community=community, author=member, title="Logbook", upload=pdf("aquifer_tests_2024.pdf"))
    assert titles(member, "hydrogeology") == ["Untitled worry"]
    assert titles(member, "aquifer") == ["Logbook"]


@postgres_only
def test_rebuild_search_index_refills_vectors(posting):
    community, member = posting
    make_thread(community=community, author=member, title="Rainwater harvesting", body="Gutters")
    Thread.objects.update(search_vector=None)
    assert titles(member, "rainwater") == []
    call_command("rebuild_search_index", verbosity=0)
    assert titles(member, "rainwater") == ["Rainwater harvesting"]
