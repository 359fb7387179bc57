"""What discussions add to the signed-in home (registered in DiscussionsConfig.ready()): new
threads in the member's communities, new replies in threads they follow, and the
coordinators' to-dos about posts (open flags, questions nobody has replied to). Each is one
query for any number of communities, read through the visibility policy."""

from datetime import datetime

from django.db.models import Count, Exists, F, IntegerField, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils.translation import gettext, ngettext

from communities.activity import ActivityItem
from communities.todos import ToDo

from .models import Flag, FlagStatus, Post, Thread, ThreadReadState


def _author(user) -> str:
    return user.name if user else gettext("a former member")


def _replies(count: int) -> str:
    return ngettext("%(count)s reply", "%(count)s replies", count) % {"count": count}


def _new_replies(count: int) -> str:
    return ngettext("%(count)s new reply", "%(count)s new replies", count) % {"count": count}


def new_threads(user, community_ids: list[int], since: datetime, before: datetime, limit: int) -> list[ActivityItem]:
    """Threads started by others. Threads the member follows or muted are left out: the
    followed ones come back as "new replies" when there is something to read, muted ones never."""
    followed_or_muted = ThreadReadState.objects.filter(thread=OuterRef("pk"), user=user).exclude(follow="")
    threads = (
        Thread.objects.visible_to(user)
        .filter(community_id__in=community_ids, hidden_at=None, created_at__gte=since, created_at__lt=before)
        .exclude(author=user)
        .exclude(Exists(followed_or_muted))
        .select_related("community", "author")
        .defer("search_vector")
        .order_by("-created_at", "-pk")[:limit]
    )
    return [
        ActivityItem(
            community_id=thread.community_id,
            at=thread.created_at,
            label=gettext("New question") if thread.is_question else gettext("New discussion"),
            title=thread.title,
            url=thread.get_absolute_url(),
            detail=gettext("by %(author)s · %(replies)s")
            % {"author": _author(thread.author), "replies": _replies(thread.reply_count)},
            key=f"thread:{thread.pk}",
        )
        for thread in threads
    ]


def followed_replies(user, community_ids: list[int], since: datetime, before: datetime, limit: int):
    """Threads the member follows with replies by others since they last read them."""
    unread_replies = (
        Post.objects.filter(
            thread=OuterRef("thread"),
            is_opening=False,
            deleted_at=None,
            hidden_at=None,
            created_at__gt=Coalesce(OuterRef("last_read_at"), Value(since)),
        )
        .exclude(author=user)
        .order_by()
        .values("thread")
        .annotate(count=Count("pk"))
        .values("count")
    )
    states = (
        ThreadReadState.objects.filter(
            user=user,
            follow="following",
            thread__in=Thread.objects.visible_to(user).filter(community_id__in=community_ids, hidden_at=None),
            thread__last_activity_at__gte=since,
            thread__last_activity_at__lt=before,
        )
        .filter(Q(last_read_at=None) | Q(thread__last_activity_at__gt=F("last_read_at")))
        .annotate(unread=Coalesce(Subquery(unread_replies, output_field=IntegerField()), 0))
        .filter(unread__gt=0)
        .select_related("thread__community")
        .defer("thread__search_vector")
        .order_by("-thread__last_activity_at", "-pk")[:limit]
    )
    return [
        ActivityItem(
            community_id=state.thread.community_id,
            at=state.thread.last_activity_at,
            label=gettext("New replies in a thread you follow"),
            title=state.thread.title,
            url=state.thread.get_absolute_url(),
            detail=_new_replies(state.unread),
            key=f"replies:{state.thread_id}",
        )
        for state in states
    ]


def to_dos(communities) -> dict[int, list[ToDo]]:
    """Open flags and questions without a reply (the health page's "questions nobody has
    replied to", which its link shows): two aggregate queries."""
    by_id = {community.pk: community for community in communities}
    found: dict[int, list[ToDo]] = {}
    flags = (
        Flag.objects.filter(status=FlagStatus.OPEN, post__thread__community_id__in=list(by_id))
        .values(community_id=F("post__thread__community_id"))
        .annotate(count=Count("pk"))
    )
    flag_queue = reverse("manage:discussions_flag_changelist")
    for row in flags:
        found.setdefault(row["community_id"], []).append(
            ToDo(
                "open_flags",
                ngettext("open flag", "open flags", row["count"]),
                row["count"],
                f"{flag_queue}?status=open&community={row['community_id']}",
            )
        )
    questions = (
        Thread.objects.filter(community_id__in=list(by_id), kind="question", hidden_at=None, reply_count=0)
        .values("community_id")
        .annotate(count=Count("pk"))
    )
    for row in questions:
        community = by_id[row["community_id"]]
        found.setdefault(row["community_id"], []).append(
            ToDo(
                "unanswered_questions",
                ngettext("question nobody has replied to", "questions nobody has replied to", row["count"]),
                row["count"],
                reverse("communities:health", kwargs={"slug": community.slug}) + "#responsiveness-heading",
            )
        )
    return found
