"""Who may register endpoints, and whether an endpoint's creator may still receive.

A community's endpoints are its coordinators' (and staff's); site-wide endpoints are staff's.
An endpoint acts with its creator's eyes: whatever it is sent, its creator must be allowed to
read on the site at the moment it is sent."""

from django.utils.translation import gettext as _

from communities.permissions import can_coordinate
from communities.services import membership_of


def can_manage_endpoints(user, community) -> bool:
    """`community` None means the site-wide endpoints."""
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    if community is None:
        return user.is_staff
    return can_coordinate(user, community, membership_of(user, community))


def creator_may_receive(endpoint) -> tuple[bool, str]:
    """(True, "") while the endpoint's creator still holds the rights that let them register
    it; otherwise (False, why), and the endpoint stops."""
    creator = endpoint.created_by
    if creator is None or not creator.is_active:
        return False, _("The person who registered this endpoint no longer has an active account.")
    if not can_manage_endpoints(creator, endpoint.community):
        if endpoint.community is None:
            return False, _("The person who registered this endpoint is no longer staff.")
        return False, _("The person who registered this endpoint no longer coordinates this community.")
    return True, ""
