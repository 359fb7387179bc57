"""What discussions contribute to digests, reminders and coordinator alerts (registered in
DiscussionsConfig.ready()). Every function answers for many communities or members in a fixed
number of queries, and returns only what any active member may read: no hidden thread, no
hidden or deleted post."""

from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Count, F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext, ngettext, ngettext_lazy

from communities.digests.registry import DigestItem, group_by_community, top_per_community
from communities.reminders.registry import Attention

from .models import Flag, Post, Reaction, Thread, ThreadReadState

PER_COMMUNITY = 5


def _thread_item(thread: Thread, detail: str, *, with_tags: bool = False) -> DigestItem:
    """`with_tags` only where the tags were prefetched (the expertise match needs them)."""
    return DigestItem(
        community_id=thread.community_id,
        title=thread.title,
        url=thread.get_absolute_url(),
        detail=detail,
        author_id=thread.author_id,
        tags=frozenset(tag.name.lower() for tag in thread.tags.all()) if with_tags else frozenset(),
        thread_id=thread.pk,
    )


def _readable_threads(community_ids: list[int]):
    return Thread.objects.filter(community_id__in=community_ids, hidden_at=None).select_related("community", "author")


def _author(thread: Thread) -> str:
    return thread.author.name if thread.author else gettext("a former member")


def _replies(count: int) -> str:
    return ngettext("%d reply", "%d replies", count) % count


def new_threads(community_ids: list[int], since: datetime, until: datetime) -> dict[int, list[DigestItem]]:
    threads = top_per_community(
        _readable_threads(community_ids).filter(created_at__gte=since, created_at__lt=until),
        order_by=[F("reply_count").desc(), F("created_at").desc()],
        limit=PER_COMMUNITY,
    )
    return group_by_community(
        [
            _thread_item(
                t,
                gettext("%(kind)s by %(author)s · %(replies)s")
                % {"kind": t.get_kind_display(), "author": _author(t), "replies": _replies(t.reply_count)},
            )
            for t in threads
        ]
    )


def popular_threads(community_ids: list[int], since: datetime, until: datetime) -> dict[int, list[DigestItem]]:
    """Older conversations that drew the most new replies in the period (new threads have
    their own section)."""
    new_replies = Count(
        "posts",
        filter=Q(
            posts__created_at__gte=since,
            posts__created_at__lt=until,
            posts__is_opening=False,
            posts__deleted_at=None,
            posts__hidden_at=None,
        ),
    )
    threads = top_per_community(
        _readable_threads(community_ids)
        .filter(created_at__lt=since, last_activity_at__gte=since)
        .annotate(new_replies=new_replies)
        .filter(new_replies__gt=0),
        order_by=[F("new_replies").desc(), F("last_activity_at").desc()],
        limit=PER_COMMUNITY,
    )
    return group_by_community(
        [_thread_item(t, ngettext("%d new reply", "%d new replies", t.new_replies) % t.new_replies) for t in threads]
    )


def unanswered_questions(community_ids: list[int], since: datetime, until: datetime) -> dict[int, list[DigestItem]]:
    """Open questions of the last weeks (DIGEST_UNANSWERED_DAYS, not just the period: a
    question nobody answered is still worth an expert's eye), with their tags so the digest
    can offer each to the members whose expertise matches."""
    threads = top_per_community(
        _readable_threads(community_ids)
        .unanswered_questions()
        .filter(created_at__gte=_unanswered_since(until), created_at__lt=until),
        order_by=[F("reply_count").asc(), F("created_at").desc()],
        limit=20,
    ).prefetch_related("tags")
    return group_by_community(
        [
            _thread_item(
                t,
                gettext("asked by %(author)s · %(replies)s")
                % {"author": _author(t), "replies": _replies(t.reply_count)},
                with_tags=True,
            )
            for t in threads
        ]
    )


def _unanswered_since(until: datetime) -> datetime:
    return until - timedelta(days=settings.DIGEST_UNANSWERED_DAYS)


# --- Reminders and coordinator alerts -------------------------------------------------------


def contributors(community_ids: list[int], since: datetime) -> dict[int, set[int]]:
    """Who posted, replied or reacted in each community since `since` (two queries)."""
    found: dict[int, set[int]] = {}
    posts = (
        Post.objects.filter(thread__community_id__in=community_ids, created_at__gte=since, deleted_at=None)
        .exclude(author=None)
        .values_list("thread__community_id", "author_id")
        .distinct()
    )
    reactions = (
        Reaction.objects.filter(post__thread__community_id__in=community_ids, created_at__gte=since)
        .values_list("post__thread__community_id", "user_id")
        .distinct()
    )
    for community_id, user_id in [*posts, *reactions]:
        found.setdefault(community_id, set()).add(user_id)
    return found


def needs_attention(community_ids: list[int], older_than: datetime) -> dict[int, list[Attention]]:
    """Questions nobody answered since before `older_than`, and flags still open (two queries)."""
    hours = _hours_ago(older_than)
    found: dict[int, list[Attention]] = {}
    questions = (
        Thread.objects.unanswered_questions()
        .filter(community_id__in=community_ids, hidden_at=None, reply_count=0, created_at__lt=older_than)
        .values("community_id")
        .annotate(count=Count("pk"))
    )
    for row in questions:
        found.setdefault(row["community_id"], []).append(
            Attention(
                "",
                row["count"],
                reverse("manage:discussions_thread_changelist"),
                counted=ngettext_lazy(
                    "%(count)s question without a reply for more than %(hours)s hours",
                    "%(count)s questions without a reply for more than %(hours)s hours",
                    "count",
                ),
                values=(("hours", hours),),
            )
        )
    flags = (
        Flag.objects.filter(status="open", post__thread__community_id__in=community_ids)
        .values(community_id=F("post__thread__community_id"))
        .annotate(count=Count("pk"))
    )
    for row in flags:
        found.setdefault(row["community_id"], []).append(
            Attention(
                "",
                row["count"],
                reverse("manage:discussions_flag_changelist"),
                counted=ngettext_lazy("%(count)s open flag on a post", "%(count)s open flags on posts", "count"),
            )
        )
    return found


def _hours_ago(moment: datetime) -> int:
    return round((timezone.now() - moment).total_seconds() / 3600)


def unread(user_ids: list[int], community_ids_by_user: dict[int, set[int]], since: datetime) -> dict[int, list]:
    """For members gone quiet: new posts in threads they follow, then new threads in their
    communities, since `since` (two queries for any number of members)."""
    found: dict[int, list[DigestItem]] = {}
    followed = (
        ThreadReadState.objects.filter(
            user_id__in=user_ids, follow="following", thread__hidden_at=None, thread__last_activity_at__gte=since
        )
        .filter(Q(last_read_at=None) | Q(thread__last_activity_at__gt=F("last_read_at")))
        .select_related("thread__community")
    )
    for state in followed:
        if state.thread.community_id in community_ids_by_user.get(state.user_id, ()):
            found.setdefault(state.user_id, []).append(
                DigestItem(
                    state.thread.community_id,
                    state.thread.title,
                    state.thread.get_absolute_url(),
                    gettext("new replies"),
                    thread_id=state.thread_id,
                )
            )
    all_communities = sorted(set().union(*community_ids_by_user.values())) if community_ids_by_user else []
    recent = new_threads(all_communities, since, timezone.now())
    for user_id in user_ids:
        for community_id in sorted(community_ids_by_user.get(user_id, ())):
            found.setdefault(user_id, []).extend(
                item for item in recent.get(community_id, []) if item.author_id != user_id
            )
    return found
