"""What the library adds to the signed-in home (registered in ResourcesConfig.ready()): new
resources in the member's communities, added by others, archived ones left out."""

from datetime import datetime

from django.utils.translation import gettext

from communities.activity import ActivityItem

from .models import Resource


def _name(author) -> str:
    return author.name if author else gettext("a former member")


def new_resources(user, community_ids: list[int], since: datetime, before: datetime, limit: int):
    resources = (
        Resource.objects.visible_to(user)
        .current()
        .filter(community_id__in=community_ids, created_at__gte=since, created_at__lt=before)
        .exclude(author=user)
        .select_related("community", "author")
        .only(
            "pk",
            "title",
            "kind",
            "created_at",
            "community_id",
            "author_id",
            "community__slug",
            "author__username",
            "author__display_name",
        )  # fmt: skip
        .order_by("-created_at", "-pk")[:limit]
    )
    return [
        ActivityItem(
            community_id=resource.community_id,
            at=resource.created_at,
            label=gettext("New in the library"),
            title=resource.title,
            url=resource.get_absolute_url(),
            detail=gettext("%(kind)s added by %(name)s")
            % {"kind": resource.get_kind_display(), "name": _name(resource.author)},
            key=f"resource:{resource.pk}",
        )
        for resource in resources
    ]
