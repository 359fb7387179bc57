"""The visibility policy for discussions: threads and posts are readable where their
community's content is (communities.querysets), and hidden threads only by the community's
coordinators and staff."""

import enum

from django.apps import apps
from django.db import models
from django.db.models import Q

from communities.models import Community
from communities.permissions import can_view_content, is_coordinator
from communities.querysets import content_readers


def _sees_hidden_threads(user, membership) -> bool:
    return (
        user is not None
        and user.is_authenticated
        and (user.is_staff or user.is_superuser or is_coordinator(membership))
    )


class Seen(enum.Enum):
    """Which of a community's threads a viewer sees (`seen_in`)."""

    NONE = "none"  # the community's content is not theirs to read
    SHOWN = "shown"  # all but the hidden ones
    ALL = "all"  # hidden ones too (its coordinators, staff)


def seen_in(community, user, membership) -> Seen:
    """`visible_to(user)` for one community, with the viewer's membership of it (or None) in
    hand, decided in Python: the rule of `visible_in` and of the thread list's compiled query."""
    if not can_view_content(user, community, membership):
        return Seen.NONE
    return Seen.ALL if _sees_hidden_threads(user, membership) else Seen.SHOWN


def thread_visible(thread, user, membership) -> bool:
    """`ThreadQuerySet.visible_to(user)` for one thread already read, with its community and
    the viewer's membership of it (or None) in hand: the rule of `visible_in`, decided in
    Python (the thread page's query then carries no community subqueries to plan)."""
    seen = seen_in(thread.community, user, membership)
    return seen is Seen.ALL or (seen is Seen.SHOWN and thread.hidden_at is None)


class ThreadQuerySet(models.QuerySet):
    def visible_to(self, user):
        readable = self.filter(community__in=Community.objects.content_visible_to(user))
        if user is not None and user.is_authenticated:
            if user.is_staff:
                return readable
            return readable.filter(Q(hidden_at=None) | Q(community__in=Community.objects.coordinated_by(user)))
        return readable.filter(hidden_at=None)

    def visible_in(self, community, user, membership):
        """`visible_to(user)` for one community, with the viewer's membership of it (or None)
        in hand: the same rows, decided here in Python instead of by two community subqueries
        in the SQL (`seen_in`). Keep it in step with `visible_to`."""
        return self.seen_in_community(community, seen_in(community, user, membership))

    def seen_in_community(self, community, seen: Seen):
        """`community`'s threads as `seen` (`seen_in`'s answer for a viewer) lets them be seen."""
        if seen is Seen.NONE:
            return self.none()
        threads = self.filter(community=community)
        return threads if seen is Seen.ALL else threads.filter(hidden_at=None)

    def for_listing(self):
        return self.select_related("author", "community").prefetch_related("tags")

    def unanswered_questions(self):
        return self.filter(kind="question", accepted_post=None)


def thread_readers(thread, users):
    """The inverse of `ThreadQuerySet.visible_to` for one thread: which of `users` may read it
    (one query however many people are asked)."""
    readers = content_readers(thread.community, users)
    if thread.hidden_at is None:
        return readers
    membership = apps.get_model("communities", "Membership")
    coordinators = membership.objects.filter(community=thread.community, state="active", role="coordinator").values(
        "user_id"
    )
    return readers.filter(Q(is_staff=True) | Q(pk__in=coordinators))


class PostQuerySet(models.QuerySet):
    def visible_to(self, user):
        thread = apps.get_model("discussions", "Thread")
        return self.filter(thread__in=thread.objects.visible_to(user))

    def readable_by(self, user):
        """Posts whose text `user` may read: visible, not deleted, and not hidden by a
        coordinator unless they wrote it. What notifications and their emails point to."""
        readable = self.visible_to(user).filter(deleted_at=None)
        if user.is_authenticated:
            return readable.filter(Q(hidden_at=None) | Q(author=user))
        return readable.filter(hidden_at=None)

    def in_tree_order(self):
        return self.order_by("path")

    def top_level(self):
        return self.filter(parent=None, is_opening=False)

    def subtree_of(self, post):
        return self.filter(thread_id=post.thread_id, path__startswith=post.path)
