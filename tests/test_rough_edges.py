"""Rough edges of issue 13, each checked the way a member or coordinator would notice it."""

from datetime import timedelta

import pytest
from django.utils import timezone

from discussions.models import Thread
from tests.communities.factories import MembershipFactory
from tests.discussions.factories import make_reply, make_thread
from tests.engagement.test_digest_content import digest_text

pytestmark = pytest.mark.django_db


# --- Digest counts read as English --------------------------------------------------------------


def test_digest_says_one_new_discussion_and_one_new_reply_not_1_replies(member, community, coordinator):
    MembershipFactory(community=community, user=member)
    make_thread(community=community, author=coordinator, title="Borehole siting in basalt")
    old = make_thread(community=community, author=coordinator, title="Long-running debate")
    Thread.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=30))
    make_reply(thread=old, author=coordinator)

    delivery, body = digest_text(member)

    print(f"summary={delivery.summary!r}")
    assert "1 new reply\n" in body
    assert "1 new replies" not in body
    assert "0 replies" in body  # the new thread has none: plural for zero
    assert "1 new discussion," in delivery.summary
    assert "1 busy conversation" in delivery.summary
