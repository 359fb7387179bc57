"""Threads and replies as search sources.

A thread is found by its title (weight A), its opening post (B) and its tags (C); a reply by
its body, shown under its thread's title. Hidden and deleted replies are never found; hidden
threads only by those the thread policy lets see them (coordinators, staff). Accepted
answers, and questions that have one, rank higher.
"""

from django.contrib.postgres.search import SearchVector
from django.db.models import Case, F, OuterRef, Q, Subquery, Value, When
from django.utils.translation import gettext, ngettext, pgettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from cop_platform.search.registry import (
    SearchHit,
    SearchSource,
    Watch,
    author_name,
    joined_text,
    register_source,
    search_config,
)

from .models import Post, Thread


def _opening_body():
    return Subquery(Post.objects.filter(thread=OuterRef("pk"), is_opening=True).values("body")[:1])


def _opening_body_contains(term: str) -> Q:
    return Q(pk__in=Post.objects.filter(is_opening=True, body__icontains=term).values("thread_id"))


def _thread_vector():
    config = search_config()
    return (
        SearchVector("title", weight="A", config=config)
        + SearchVector(_opening_body(), weight="B", config=config)
        + SearchVector(joined_text(Thread, "tags__name"), weight="C", config=config)
    )


def _describe_thread(thread) -> SearchHit:
    author = author_name(thread.author)
    return SearchHit(
        kind="thread",
        kind_label=thread.get_kind_display(),
        title=thread.title,
        url=thread.get_absolute_url(),
        context=ngettext(
            "Started by %(author)s · %(count)s reply", "Started by %(author)s · %(count)s replies", thread.reply_count
        )
        % {"author": author, "count": thread.reply_count},
        community_name=thread.community.name,
        community_url=thread.community.get_absolute_url(),
        date=thread.last_activity_at,
        badge=gettext("Answered") if thread.accepted_post_id else "",
    )


def _describe_post(post) -> SearchHit:
    author = author_name(post.author)
    thread = post.thread
    return SearchHit(
        kind="post",
        kind_label=pgettext("noun", "Reply"),
        title=thread.title,
        url=post.get_absolute_url(),
        context=gettext("Reply by %(author)s") % {"author": author},
        community_name=thread.community.name,
        community_url=thread.community.get_absolute_url(),
        date=post.created_at,
        badge=gettext("Accepted answer") if thread.accepted_post_id == post.pk else "",
    )


register_source(
    SearchSource(
        kind="thread",
        label=_("Thread"),
        plural=_("Threads"),
        model=Thread,
        visible=Thread.objects.visible_to,
        vector=_thread_vector,
        indexed_fields=frozenset({"title"}),
        title_field="title",
        text_fields=("title", _opening_body_contains, "tags__name"),
        snippet_fields=("opening_body",),
        date_field="created_at",
        describe=_describe_thread,
        for_display=lambda rows: rows.select_related("community", "author").annotate(opening_body=_opening_body()),
        recency_field="last_activity_at",
        boost=lambda: Case(When(accepted_post__isnull=False, then=Value(1.2)), default=Value(1.0)),
        # The opening post's text is part of the thread's vector.
        watches=(Watch(Post, lambda post: [post.thread_id] if post.is_opening else []),),
        filters={
            "community": lambda community: Q(community=community),
            "tag": lambda slug: Q(tags__slug=slug),
            "author": lambda username: Q(author__username=username),
        },
        order=20,
    )
)

register_source(
    SearchSource(
        kind="post",
        label=pgettext_lazy("noun", "Reply"),
        plural=_("Replies"),
        model=Post,
        visible=lambda user: Post.objects.visible_to(user).filter(is_opening=False, deleted_at=None, hidden_at=None),
        vector=lambda: SearchVector("body", weight="B", config=search_config()),
        indexed_fields=frozenset({"body"}),
        title_field=None,
        text_fields=("body",),
        snippet_fields=("body",),
        date_field="created_at",
        describe=_describe_post,
        for_display=lambda rows: rows.select_related("thread__community", "author"),
        recency_field="created_at",
        boost=lambda: Case(When(thread__accepted_post=F("pk"), then=Value(1.5)), default=Value(1.0)),
        filters={
            "community": lambda community: Q(thread__community=community),
            "tag": lambda slug: Q(thread__tags__slug=slug),
            "author": lambda username: Q(author__username=username),
        },
        order=30,
    )
)
