"""The stored vectors: every row the demo seeder writes is indexed, so search works on a
fresh demo without a rebuild."""

import io

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.management import call_command

from cop_platform.search.engine import search
from cop_platform.search.registry import all_sources

from .conftest import postgres_only

pytestmark = pytest.mark.django_db


@postgres_only
def test_the_demo_seeder_leaves_every_searched_row_indexed():
    call_command("seed_demo", stdout=io.StringIO())
    for source in all_sources():
        rows = source.model._base_manager
        assert rows.exists(), source.kind
        assert not rows.filter(search_vector=None).exists(), f"{source.plural} without a search vector"
    kinds = {hit.kind for hit in search(user=AnonymousUser(), query="water")[:50]}
    assert {"community", "thread", "resource", "profile"} <= kinds


def test_rebuild_search_index_explains_itself_on_every_database():
    out = io.StringIO()
    call_command("rebuild_search_index", stdout=out)
    assert "Search index rebuilt." in out.getvalue() or "nothing to rebuild" in out.getvalue()
