"""The demo's discussions tell a realistic story and obey the rules."""

from io import StringIO

import pytest
from django.core.management import call_command

from discussions.models import Flag, Post, Thread

pytestmark = pytest.mark.django_db


@pytest.fixture
def seeded():
    call_command("seed_demo", no_history=True, stdout=StringIO())


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
