"""Mailing-list mode: a member who turns it on for a community gets every new post in it by
email as it happens (email_gateway sends them, threaded in mail clients). The flag lives on
Membership; the unsubscribe link in each of those emails carries the scope "list:<community
id>", registered here with members.mailing (which sits below communities).
"""

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from members.mailing import PrefixedScope

from .models import Membership, MembershipState

LIST_SCOPE_PREFIX = "list"


def list_scope(community_id: int) -> str:
    return f"{LIST_SCOPE_PREFIX}:{community_id}"


def membership_set_mailing_list_mode(*, actor, community_id: int, on: bool) -> bool:
    """Turn mailing-list mode on or off for the actor in one community. Only their own,
    active membership; False when they are not an active member. Idempotent."""
    if actor is None or not actor.is_authenticated:
        raise PermissionDenied
    active = Membership.objects.filter(user_id=actor.pk, community_id=community_id, state=MembershipState.ACTIVE)
    return active.update(mailing_list_mode=on) > 0


def _describe(user, community_id: int) -> str | None:
    membership = (
        Membership.objects.filter(user_id=user.pk, community_id=community_id, state=MembershipState.ACTIVE)
        .select_related("community")
        .first()
    )
    if membership is None:
        return None
    return _("every new post in %(name)s by email (mailing-list mode)") % {"name": membership.community.name}


def _all_off(user) -> None:
    Membership.objects.filter(user_id=user.pk, mailing_list_mode=True).update(mailing_list_mode=False)


SCOPE = PrefixedScope(
    describe=_describe,
    set_off=lambda user, community_id, off: membership_set_mailing_list_mode(
        actor=user, community_id=community_id, on=not off
    ),
    all_off=_all_off,
)
