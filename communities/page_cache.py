"""The anonymous page cache (cop_platform/page_cache.py) for a community's pages: stored only
when the community's content is public, decided by the visibility policy."""

from django.contrib.auth.models import AnonymousUser

from cop_platform.page_cache import cached_for_anonymous

from .models import Community


def content_is_public(slug: str) -> bool:
    """Whether a visitor who is not signed in may read this community's content."""
    return Community.objects.content_visible_to(AnonymousUser()).filter(slug=slug).exists()


def cached_community_page(view, *, slug_kwarg: str = "community_slug"):
    """`view`, its anonymous answers kept while the community's pages are unchanged."""
    return cached_for_anonymous(view, slug_kwarg=slug_kwarg, is_public=content_is_public)
