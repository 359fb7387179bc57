"""The community page's "Post by email" card (communities.sections): the community's address,
shown to those who may start threads there, when email-in is on."""

from communities.services import membership_of
from discussions.permissions import can_start_thread

from .addresses import community_address, email_in_enabled


def email_section(community, user) -> dict | None:
    if not email_in_enabled() or user is None or not user.is_authenticated:
        return None
    membership = membership_of(user, community)
    if not can_start_thread(user, community, membership):
        return None
    return {
        "community": community,
        "address": community_address(community),
        "mailing_list_mode": bool(membership and membership.mailing_list_mode),
    }
