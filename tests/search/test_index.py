"""The stored vectors. That every row the demo seeder writes is indexed is checked in
tests/test_demo_with_history.py, beside the other tests that read the full demo (seeded once)."""

import io

import pytest
from django.core.management import call_command

pytestmark = pytest.mark.django_db


def test_rebuild_search_index_explains_itself_on_every_database():
    out = io.StringIO()
    call_command("rebuild_search_index", stdout=out)
    assert "Search index rebuilt." in out.getvalue() or "nothing to rebuild" in out.getvalue()
