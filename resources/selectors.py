"""Reads that assemble the library's pages."""

from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils.translation import gettext

from communities.models import Community
from communities.origins import Backlink
from communities.permissions import can_view_content
from communities.services import membership_of
from communities.value.sources import SourceLink
from cop_platform.compiled_queries import CompiledQuery

from . import permissions
from .models import Resource, ResourceVersion

SORTS = {
    "newest": ("-created_at", "-pk"),
    "downloads": ("-download_count", "-created_at"),
    "updated": ("-updated_at", "-pk"),
}


def library(*, community, user, kind="", tag="", language="", q="", sort="newest", archived=False):
    """The library listing: featured first, then by the chosen order."""
    resources = Resource.objects.visible_to(user).filter(community=community).for_listing()
    resources = resources.filter(archived_at__isnull=not archived)
    if kind:
        resources = resources.filter(kind=kind)
    if tag:
        resources = resources.filter(tags__slug=tag)
    if language:
        resources = resources.filter(language=language)
    if q:
        # Exists, not a join, for file names: a join would repeat a resource per matching
        # version and need a DISTINCT over every column, long practice text included.
        named_file = ResourceVersion.objects.filter(resource=OuterRef("pk"), original_name__icontains=q)
        resources = resources.filter(
            Q(title__icontains=q) | Q(summary__icontains=q) | Q(body__icontains=q) | Q(url__icontains=q)
            | Exists(named_file)
        )  # fmt: skip
    return resources.order_by("-is_featured", *SORTS.get(sort, SORTS["newest"]))


def _documented_from_query(origin_model, *, origin_id):
    return (
        Resource.objects.from_origin(origin_model(pk=origin_id))
        .select_related("community")
        .only("pk", "title", "kind", "created_at", "community__slug", "community__visibility")
        .order_by("created_at", "pk")
    )


# Compiled once per process and kind of origin (cop_platform/compiled_queries.py): read on
# every thread page.
_DOCUMENTED_FROM = CompiledQuery(_documented_from_query, origin_id=int)


def documented_from(obj, user) -> list[Backlink]:
    """Library entries made from `obj` (a thread) that `user` may see: the thread's back-link.

    One narrow query without the visibility subqueries (they cost more to build than the
    query to run, on every thread page): the entries are few, and whether `user` may read
    each one's community is decided in Python by the rule `visible_to` applies, from the
    membership the page has already read for the thread's own community; entries filed in
    other communities (rare) are checked with `visible_to`'s own subquery."""
    found = _DOCUMENTED_FROM.run(type(obj), origin_id=obj.pk)
    elsewhere = {r.community_id for r in found if r.community_id != obj.community_id}
    readable = set()
    if elsewhere:
        others = Community.objects.content_visible_to(user).filter(pk__in=elsewhere)
        readable.update(others.values_list("pk", flat=True))
    if any(r.community_id == obj.community_id for r in found):
        community = obj.community
        if can_view_content(user, community, membership_of(user, community)):
            readable.add(community.pk)
    visible = [r for r in found if r.community_id in readable][:10]
    return [Backlink(title=r.title, url=r.get_absolute_url(), label=r.get_kind_display()) for r in visible]


def community_home_section(community, user) -> dict:
    """The "Latest in the library" section of a community's home page."""
    # The section shows no tags: without their prefetch, one query fewer on the community page.
    latest = list(
        Resource.objects.visible_to(user).filter(community=community).current().for_listing().prefetch_related(None)[:5]
    )
    return {
        "community": community,
        "resources": latest,
        "can_add": user.is_authenticated
        and permissions.can_add_resource(user, community, membership_of(user, community)),
    }


def document_this(obj, user) -> list[Backlink]:
    """On a thread or an event: "Document this as a practice", for members who may add to the library."""
    community = obj.community
    if not (user.is_authenticated and permissions.can_add_resource(user, community, membership_of(user, community))):
        return []
    url = reverse("resources:new", kwargs={"community_slug": community.slug})
    return [
        Backlink(
            title=gettext("Document this as a practice"),
            url=f"{url}?kind=practice&origin={obj._meta.model_name}:{obj.pk}",
            label="",
        )
    ]


def resources_as_story_sources(user, ids: list[int]) -> dict[int, SourceLink]:
    """Library resources (practices, mostly) a value-creation story can name ("This helped
    me"), for those of `ids` that `user` may see now (one query)."""
    found = (
        Resource.objects.visible_to(user)
        .filter(pk__in=ids)
        .select_related("community")
        .only("pk", "title", "kind", "community__slug", "community_id")
    )
    return {
        r.pk: SourceLink(
            r.title, r.get_absolute_url(), r.community_id, "practice" if r.kind == "practice" else "resource"
        )
        for r in found
    }
