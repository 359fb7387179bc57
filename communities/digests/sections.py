"""The digest section communities fills itself: who joined."""

from datetime import datetime

from django.db.models import F

from ..models import Membership, MembershipState
from .registry import DigestItem, group_by_community, top_per_community


def new_members(community_ids: list[int], since: datetime, until: datetime) -> dict[int, list[DigestItem]]:
    memberships = top_per_community(
        Membership.objects.filter(
            community_id__in=community_ids,
            state=MembershipState.ACTIVE,
            joined_at__gte=since,
            joined_at__lt=until,
            user__is_active=True,
        ).select_related("user"),
        order_by=[F("joined_at").desc()],
        limit=10,
    )
    return group_by_community(
        [
            DigestItem(
                community_id=membership.community_id,
                title=membership.user.name,
                url=membership.user.get_absolute_url(),
                detail=", ".join(part for part in (membership.user.discipline, membership.user.organisation) if part),
                author_id=membership.user_id,
            )
            for membership in memberships
        ]
    )
