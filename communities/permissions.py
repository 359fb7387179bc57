"""Who may do what in a community: pure predicates of (user, community, membership).

`membership` is the user's Membership row in that community, or None; callers fetch it once
(`membership_of`) so that a page asking several questions runs one query, not one per rule.
"""

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from .models import JoinPolicy, Membership, MembershipState, Role


def _signed_in(user) -> bool:
    return user is not None and user.is_authenticated


def is_active_member(membership: Membership | None) -> bool:
    return membership is not None and membership.state == MembershipState.ACTIVE


def is_coordinator(membership: Membership | None) -> bool:
    return is_active_member(membership) and membership.role == Role.COORDINATOR


def can_create_community(user) -> bool:
    if not _signed_in(user):
        return False
    return user.is_staff or settings.COMMUNITY_CREATION == "anyone"


def can_view_content(user, community, membership) -> bool:
    """Threads, resources and the member list: public communities for all, the rest for
    active members and staff."""
    if community.content_is_public:
        return True
    return _signed_in(user) and (user.is_staff or is_active_member(membership))


def can_coordinate(user, community, membership) -> bool:
    """Approve requests, invite, change roles, edit the charter: coordinators and staff."""
    return _signed_in(user) and (user.is_staff or is_coordinator(membership))


def can_join_directly(user, community, membership) -> bool:
    return _signed_in(user) and membership is None and community.join_policy == JoinPolicy.OPEN


def can_request_to_join(user, community, membership) -> bool:
    return _signed_in(user) and membership is None and community.join_policy == JoinPolicy.APPROVAL


def can_leave(user, community, membership) -> bool:
    return (
        _signed_in(user)
        and membership is not None
        and membership.state
        in (
            MembershipState.ACTIVE,
            MembershipState.PENDING,
            MembershipState.INVITED,
        )
    )


# Why only active members may do something, one whole sentence per action and membership state
# (word order differs between languages, so the action is never glued into a sentence):
# (no membership, request pending, invitation waiting, membership not active).
REFUSALS = {
    "post": (
        _("Join this community to post."),
        _("Your request to join is waiting for a coordinator. You can post once it is approved."),
        _("Accept your invitation to this community to post."),
        _("Only active members can post in this community."),
    ),
    "reply": (
        _("Join this community to reply."),
        _("Your request to join is waiting for a coordinator. You can reply once it is approved."),
        _("Accept your invitation to this community to reply."),
        _("Only active members can reply in this community."),
    ),
    "vote": (
        _("Join this community to vote."),
        _("Your request to join is waiting for a coordinator. You can vote once it is approved."),
        _("Accept your invitation to this community to vote."),
        _("Only active members can vote in this community."),
    ),
    "answer": (
        _("Join this community to answer."),
        _("Your request to join is waiting for a coordinator. You can answer once it is approved."),
        _("Accept your invitation to this community to answer."),
        _("Only active members can answer in this community."),
    ),
    "add to its library": (
        _("Join this community to add to its library."),
        _("Your request to join is waiting for a coordinator. You can add to its library once it is approved."),
        _("Accept your invitation to this community to add to its library."),
        _("Only active members can add to its library in this community."),
    ),
    "answer its value survey": (
        _("Join this community to answer its value survey."),
        _("Your request to join is waiting for a coordinator. You can answer its value survey once it is approved."),
        _("Accept your invitation to this community to answer its value survey."),
        _("Only active members can answer its value survey in this community."),
    ),
    "tell a value-creation story": (
        _("Join this community to tell a value-creation story."),
        _(
            "Your request to join is waiting for a coordinator. "
            "You can tell a value-creation story once it is approved."
        ),
        _("Accept your invitation to this community to tell a value-creation story."),
        _("Only active members can tell a value-creation story in this community."),
    ),
    "take part": (
        _("Join this community to take part."),
        _("Your request to join is waiting for a coordinator. You can take part once it is approved."),
        _("Accept your invitation to this community to take part."),
        _("Only active members can take part in this community."),
    ),
}


def why_not_active(membership: Membership | None, *, action: str) -> tuple[str, bool]:
    """Why a signed-in person with `membership` (or None) may not `action` (a key of REFUSALS:
    "post", "reply", "vote", "answer", ...) where only active members may, and whether joining
    (or accepting an invitation) would fix it. The content apps show this on their refusal
    pages."""
    join, pending, invited, inactive = REFUSALS.get(action, REFUSALS["take part"])
    if membership is None:
        return str(join), True
    if membership.state == MembershipState.PENDING:
        return str(pending), False
    if membership.state == MembershipState.INVITED:
        return str(invited), True
    return str(inactive), False
