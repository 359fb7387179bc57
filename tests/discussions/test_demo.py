"""The demo's discussions tell a realistic story and obey the rules (the demo is seeded once for
the module: tests/demo_data.py)."""

from io import StringIO

import pytest
from django.core.management import call_command

from discussions.models import Flag, Post, Thread
from tests.demo_data import seed_demo_for_module

# One worker runs the whole module, so the demo is seeded once (make test uses --dist loadgroup).
pytestmark = [pytest.mark.django_db, pytest.mark.xdist_group("seed_demo_discussions")]


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker, tmp_path_factory):
    with seed_demo_for_module(django_db_blocker, tmp_path_factory.mktemp("demo"), no_history=True):
        yield


def test_demo_has_answered_and_unanswered_questions_debates_and_a_flag(seeded):
    assert Thread.objects.filter(kind="question").exclude(accepted_post=None).count() >= 3
    assert Thread.objects.unanswered_questions().exists()
    assert Post.objects.filter(depth__gte=3).exists()  # a nested debate
    assert Post.objects.filter(body_html__contains='class="mention"').exists()
    assert Post.objects.filter(helpful_count__gt=0).exists()
    assert Flag.objects.filter(status="open").exists()
    assert Thread.objects.filter(is_pinned=True).exists()


def test_seeding_twice_adds_no_threads(seeded):
    before = (Thread.objects.count(), Post.objects.count())
    call_command("seed_demo", no_history=True, stdout=StringIO())
    assert (Thread.objects.count(), Post.objects.count()) == before
