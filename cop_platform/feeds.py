"""Atom feeds of public activity: a community's new threads and resources, and a topic tag's
across all public communities.

A feed is read by anyone, with no session: everything in it comes through the visibility
policies as seen by an anonymous visitor, so private and hidden communities never appear in a
feed (their feed address is a 404, like their pages), nor do hidden threads. Threads and
resources live in apps that may not import each other, so the combined feed sits here, on top.
Item descriptions are excerpts of the sanitised HTML stored on save, or escaped plain text;
raw user input never reaches a reader.
"""

from dataclasses import dataclass, field
from datetime import datetime

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.contrib.syndication.views import Feed
from django.db.models import Exists, OuterRef
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.html import escape, linebreaks
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from taggit.models import Tag

from communities.models import Community
from discussions.models import Post, Thread
from events.feeds import event_feed_entries
from resources.models import Resource, ResourceKind

from .email import absolute_url

FEED_ITEMS = 30
EXCERPT_WORDS = 120


@dataclass
class FeedItem:
    title: str
    link: str
    description: str
    published: datetime
    author: str
    community: str
    categories: list[str] = field(default_factory=list)


def _excerpt(html: str) -> str:
    """The first words of already-sanitised HTML, its tags closed."""
    return Truncator(html).words(EXCERPT_WORDS, html=True, truncate=" …")


def _thread_items(threads) -> list[FeedItem]:
    threads = list(threads.select_related("author", "community").prefetch_related("tags")[:FEED_ITEMS])
    # The opening post's text, unless it was hidden or deleted (then the title stands alone).
    openings = Post.objects.filter(
        thread__in=[thread.pk for thread in threads], is_opening=True, hidden_at=None, deleted_at=None
    ).values_list("thread_id", "body_html")
    bodies = dict(openings)
    return [
        FeedItem(
            title=(_("Question: %(title)s") if thread.is_question else _("Discussion: %(title)s"))
            % {"title": thread.title},
            link=thread.get_absolute_url(),
            description=_excerpt(bodies.get(thread.pk, "")),
            published=thread.created_at,
            author=thread.author.name if thread.author else "",
            community=thread.community.name,
            categories=[tag.name for tag in thread.tags.all()],
        )
        for thread in threads
    ]


def _resource_items(resources) -> list[FeedItem]:
    resources = resources.current().select_related("author", "community").prefetch_related("tags")[:FEED_ITEMS]
    return [
        FeedItem(
            title=f"{resource.get_kind_display()}: {resource.title}",
            link=resource.get_absolute_url(),
            description=(
                _excerpt(resource.body_html)
                if resource.kind == ResourceKind.PRACTICE
                else linebreaks(escape(Truncator(resource.summary).words(EXCERPT_WORDS, truncate=" …")))
            ),
            published=resource.created_at,
            author=resource.author.name if resource.author else "",
            community=resource.community.name,
            categories=[tag.name for tag in resource.tags.all()],
        )
        for resource in resources
    ]


def _newest(threads, resources, community=None) -> list[FeedItem]:
    visitor = AnonymousUser()
    items = _thread_items(threads(Thread.objects.visible_to(visitor)).order_by("-created_at", "-pk"))
    items += _resource_items(resources(Resource.objects.visible_to(visitor)).order_by("-created_at", "-pk"))
    if community is not None:  # new events (events.feeds), as an anonymous reader sees them
        items += [FeedItem(**entry) for entry in event_feed_entries(community, visitor, limit=FEED_ITEMS)]
    return sorted(items, key=lambda item: item.published, reverse=True)[:FEED_ITEMS]


class _ActivityFeed(Feed):
    feed_type = Atom1Feed

    def item_title(self, item: FeedItem):
        return item.title

    def item_link(self, item: FeedItem):
        # Absolute from SITE_URL, like links in emails: readers fetch feeds from anywhere, and
        # the sites framework's domain is not the platform's address.
        return absolute_url(item.link)

    def item_description(self, item: FeedItem):
        return item.description

    def item_pubdate(self, item: FeedItem):
        return item.published

    def item_updateddate(self, item: FeedItem):
        return item.published

    def item_author_name(self, item: FeedItem):
        return item.author or None

    def item_categories(self, item: FeedItem):
        return item.categories


class CommunityFeed(_ActivityFeed):
    """New threads and resources of one public community."""

    def get_object(self, request, slug):
        return get_object_or_404(Community.objects.content_visible_to(AnonymousUser()), slug=slug)

    def title(self, community):
        return f"{community.name} · {settings.SITE_NAME}"

    def subtitle(self, community):
        return _("New threads, resources and events in %(name)s.") % {"name": community.name}

    def link(self, community):
        return absolute_url(community.get_absolute_url())

    def feed_url(self, community):
        return absolute_url(reverse("community_feed", kwargs={"slug": community.slug}))

    def items(self, community):
        return _newest(
            lambda threads: threads.filter(community=community),
            lambda resources: resources.filter(community=community),
            community,
        )


class TagFeed(_ActivityFeed):
    """New threads and resources with one topic tag, across all public communities."""

    def get_object(self, request, tag):
        """404 unless an anonymous reader may see something carrying the tag, the same 404 as
        for a tag that does not exist: a tag used only inside private or hidden communities
        must not be confirmed by an empty feed titled with its name."""
        visitor = AnonymousUser()
        seen = (
            Exists(Thread.objects.visible_to(visitor).filter(tags=OuterRef("pk")))
            | Exists(Resource.objects.visible_to(visitor).filter(tags=OuterRef("pk")))
            | Exists(Community.objects.content_visible_to(visitor).filter(tags=OuterRef("pk")))
        )
        return get_object_or_404(Tag.objects.filter(seen), slug=tag)

    def title(self, tag):
        return f"#{tag.name} · {settings.SITE_NAME}"

    def subtitle(self, tag):
        return _("New threads and resources tagged %(tag)s in public communities.") % {"tag": tag.name}

    def link(self, tag):
        return absolute_url(f"{reverse('communities:directory')}?tag={tag.slug}")

    def feed_url(self, tag):
        return absolute_url(reverse("tag_feed", kwargs={"tag": tag.slug}))

    def items(self, tag):
        return _newest(
            lambda threads: threads.filter(pk__in=Thread.objects.filter(tags__slug=tag.slug).values("pk")),
            lambda resources: resources.filter(pk__in=Resource.objects.filter(tags__slug=tag.slug).values("pk")),
        )

    def item_title(self, item: FeedItem):
        return f"{item.title} · {item.community}"
