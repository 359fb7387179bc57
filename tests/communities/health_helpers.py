"""Arranging community history for the health tests: content made through the services,
then moved back in time (the services stamp "now")."""

from datetime import timedelta

from django.utils import timezone

from discussions.models import Post, Thread
from tests.communities.factories import MembershipFactory
from tests.discussions.factories import make_reply, make_thread
from tests.members.factories import UserFactory


def at(thing, moment):
    """Move a thread (with its opening post) or a post back to `moment`."""
    if isinstance(thing, Thread):
        Thread.objects.filter(pk=thing.pk).update(created_at=moment, last_activity_at=moment)
        Post.objects.filter(thread=thing, is_opening=True).update(created_at=moment)
    else:
        Post.objects.filter(pk=thing.pk).update(created_at=moment)
    return thing


def question(*, community, asker, asked_at, answerer=None, reply_after_hours=None):
    """A question asked at `asked_at`, answered by `answerer` after `reply_after_hours`."""
    thread = at(make_thread(community=community, author=asker, kind="question"), asked_at)
    reply = None
    if answerer is not None:
        reply = at(make_reply(thread=thread, author=answerer), asked_at + timedelta(hours=reply_after_hours))
    return thread, reply


def members(community, count, **fields):
    """`count` active members who joined 100 days ago."""
    joined = timezone.now() - timedelta(days=100)
    return [
        MembershipFactory(community=community, user=UserFactory(**fields), joined_at=joined).user for _ in range(count)
    ]
