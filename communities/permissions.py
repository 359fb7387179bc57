"""Who may do what in a community: pure predicates of (user, community, membership).

`membership` is the user's Membership row in that community, or None; callers fetch it once
(`membership_of`) so that a page asking several questions runs one query, not one per rule.
"""

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy

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


# The `action`s the content apps pass to why_not_active, translated (an infinitive that fits
# "Join this community to ..."); an action not listed here is shown as given.
ACTIONS = {
    "post": pgettext_lazy("what only active members may do", "post"),
    "reply": pgettext_lazy("what only active members may do", "reply"),
    "vote": pgettext_lazy("what only active members may do", "vote"),
    "answer": pgettext_lazy("what only active members may do", "answer"),
    "add to its library": pgettext_lazy("what only active members may do", "add to its library"),
    "answer its value survey": pgettext_lazy("what only active members may do", "answer its value survey"),
    "tell a value-creation story": pgettext_lazy("what only active members may do", "tell a value-creation story"),
}


def why_not_active(membership: Membership | None, *, action: str) -> tuple[str, bool]:
    """Why a signed-in person with `membership` (or None) may not `action` where only active
    members may, and whether joining (or accepting an invitation) would fix it. The content
    apps show this on their refusal pages."""
    what = {"action": ACTIONS.get(action, action)}
    if membership is None:
        # Translators: %(action)s is what the member wanted to do, e.g. "post" or "add to its library".
        return _("Join this community to %(action)s.") % what, True
    if membership.state == MembershipState.PENDING:
        # Translators: %(action)s is what the member wanted to do, e.g. "post" or "add to its library".
        return _(
            "Your request to join is waiting for a coordinator. You can %(action)s once it is approved."
        ) % what, False
    if membership.state == MembershipState.INVITED:
        # Translators: %(action)s is what the member wanted to do, e.g. "post" or "add to its library".
        return _("Accept your invitation to this community to %(action)s.") % what, True
    # Translators: %(action)s is what the member wanted to do, e.g. "post" or "add to its library".
    return _("Only active members can %(action)s in this community.") % what, False
