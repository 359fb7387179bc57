"""Per-community email mute: a member who mutes a community gets no digest content,
notification emails or reminders from it, and still reads it on the site.

The flag lives on Membership; members (below communities) reaches it through
`members.mailing.register_community_muting(MUTING)`, called in CommunitiesConfig.ready().
"""

from collections import defaultdict

from django.core.exceptions import PermissionDenied

from members.mailing import CommunityMuting

from .models import Membership, MembershipState


def membership_set_email_muted(*, actor, community_id: int, muted: bool) -> bool:
    """Mute or unmute email from one community for the actor. Only their own, active
    membership; False when they are not an active member (nothing to mute). Idempotent."""
    if actor is None or not actor.is_authenticated:
        raise PermissionDenied
    return (
        Membership.objects.filter(user_id=actor.pk, community_id=community_id, state=MembershipState.ACTIVE).update(
            email_muted=muted
        )
        > 0
    )


def _name_of(user, community_id: int) -> str | None:
    membership = (
        Membership.objects.filter(user_id=user.pk, community_id=community_id, state=MembershipState.ACTIVE)
        .select_related("community")
        .first()
    )
    return membership.community.name if membership else None


def _muted_ids(user_ids) -> dict[int, set[int]]:
    muted: dict[int, set[int]] = defaultdict(set)
    rows = Membership.objects.filter(user_id__in=list(user_ids), email_muted=True).values_list(
        "user_id", "community_id"
    )
    for user_id, community_id in rows:
        muted[user_id].add(community_id)
    return muted


MUTING = CommunityMuting(
    name_of=_name_of,
    set_muted=lambda user, community_id, muted: membership_set_email_muted(
        actor=user, community_id=community_id, muted=muted
    ),
    muted_ids=_muted_ids,
)
