"""What the library contributes to digests and to the activity counts behind reminders
(registered in ResourcesConfig.ready()). Archived resources are left out of digests."""

from datetime import datetime

from django.db.models import F
from django.utils.translation import gettext

from communities.digests.registry import DigestItem, group_by_community, top_per_community

from .models import Resource

PER_COMMUNITY = 5


def new_resources(community_ids: list[int], since: datetime, until: datetime) -> dict[int, list[DigestItem]]:
    resources = top_per_community(
        Resource.objects.filter(
            community_id__in=community_ids, archived_at=None, created_at__gte=since, created_at__lt=until
        ).select_related("community", "author"),
        order_by=[F("created_at").desc()],
        limit=PER_COMMUNITY,
    )
    return group_by_community(
        [
            DigestItem(
                community_id=resource.community_id,
                title=resource.title,
                url=resource.get_absolute_url(),
                detail=gettext("%(kind)s added by %(name)s")
                % {"kind": resource.get_kind_display(), "name": _name(resource.author)},
                author_id=resource.author_id,
            )
            for resource in resources
        ]
    )


def _name(author) -> str:
    return author.name if author else gettext("a former member")


def contributors(community_ids: list[int], since: datetime) -> dict[int, set[int]]:
    """Who added a resource in each community since `since` (one query)."""
    found: dict[int, set[int]] = {}
    rows = (
        Resource.objects.filter(community_id__in=community_ids, created_at__gte=since)
        .exclude(author=None)
        .values_list("community_id", "author_id")
        .distinct()
    )
    for community_id, user_id in rows:
        found.setdefault(community_id, set()).add(user_id)
    return found
